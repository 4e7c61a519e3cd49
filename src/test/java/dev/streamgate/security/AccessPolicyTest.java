package dev.streamgate.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamgate.runtime.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {

  private static AccessPolicy policy(Map<String, String> settings) {
    AccessPolicy policy = new AccessPolicy(new Settings(settings::get));
    policy.load();
    return policy;
  }

  @Test
  void withoutAPublicOriginOnlyAnAddressOrLocalhostIsItsOwnOrigin() {
    AccessPolicy open = policy(Map.of());

    assertTrue(open.allowsOrigin("http://127.0.0.1:8080", "http://127.0.0.1:8080"));
    assertTrue(open.allowsOrigin("http://localhost:8080", "http://localhost:8080"));
    assertTrue(open.allowsOrigin("http://[::1]:8080", "http://[::1]:8080"));
    // A DNS name the attacker points at 127.0.0.1: its Host and Origin agree, and prove nothing.
    assertFalse(open.allowsOrigin("http://evil.example:8080", "http://evil.example:8080"));
    assertFalse(open.allowsOrigin("http://localhost:8081", "http://localhost:8080"));
    assertTrue(open.allowsOrigin(null, "http://evil.example:8080"), "not a browser: keys decide");
  }

  @Test
  void aPublicOriginIsTheOwnOriginWhateverTheHostHeaderSays() {
    AccessPolicy behindProxy =
        policy(Map.of("STREAMGATE_PUBLIC_ORIGIN", "https://chat.example.com/"));

    assertTrue(behindProxy.allowsOrigin("https://chat.example.com", "http://10.0.0.5:8080"));
    assertFalse(behindProxy.allowsOrigin("http://evil.example", "http://evil.example"));
    assertFalse(behindProxy.allowsOrigin("http://127.0.0.1:8080", "http://127.0.0.1:8080"));
    assertTrue(
        policy(Map.of("STREAMGATE_ALLOWED_ORIGINS", "https://app.example"))
            .allowsOrigin("https://app.example", "http://evil.example"));
  }

  @Test
  void aMalformedPublicOriginStopsTheStartNamingTheSetting() {
    for (String bad :
        new String[] {"chat.example.com", "https://chat.example.com/app", "ftp://x"}) {
      IllegalArgumentException refused =
          assertThrows(
              IllegalArgumentException.class,
              () -> policy(Map.of("STREAMGATE_PUBLIC_ORIGIN", bad)));
      assertTrue(refused.getMessage().startsWith("STREAMGATE_PUBLIC_ORIGIN"), refused.getMessage());
    }
  }
}
