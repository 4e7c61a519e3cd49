package dev.streamgate.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every setting in the README's table, given a value it must refuse, stops the launcher before it
 * serves anything, with a message naming the setting and the value. A setting added to the table
 * without a row here fails {@link #everySettingInTheReadmeIsCovered}.
 */
class BadSettingsIT {

  /** Each setting with a bad value, and a fragment of what the refusal must say beside its name. */
  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("STREAMGATE_PORT", "80800"),
        Arguments.of("STREAMGATE_WEBAPP", "/nonexistent/webapp"),
        Arguments.of("STREAMGATE_ADDRESS", "not an address"),
        Arguments.of("STREAMGATE_MAX_CONNECTIONS", "lots"),
        Arguments.of("STREAMGATE_MAX_THREADS", "0"),
        Arguments.of("STREAMGATE_LOG_FORMAT", "xml"),
        Arguments.of("STREAMGATE_ACCESS_LOG", "maybe"),
        Arguments.of("STREAMGATE_ORPHAN_TIMEOUT", "15x"),
        Arguments.of("STREAMGATE_DISCONNECT_GRACE", "soon"),
        Arguments.of("STREAMGATE_RETENTION", "-1"),
        Arguments.of("STREAMGATE_MAX_STREAMS", "many"),
        Arguments.of("STREAMGATE_MAX_RETAINED", "-5"),
        Arguments.of("STREAMGATE_KEEPALIVE", "15x"),
        Arguments.of("STREAMGATE_SSE_WRITER", "netty"),
        Arguments.of("STREAMGATE_SSE_RETRY", "2 s"),
        Arguments.of("STREAMGATE_STUCK_TIMEOUT", "1d"),
        Arguments.of("STREAMGATE_MAX_GENERATION_BYTES", "1.5m"),
        Arguments.of("STREAMGATE_MAX_LIVE_BYTES", "0"),
        Arguments.of("STREAMGATE_MAX_RETAINED_BYTES", "lots"),
        Arguments.of("STREAMGATE_MAX_BODY", "1m"),
        Arguments.of("STREAMGATE_BODY_TIMEOUT", "forever"),
        Arguments.of("STREAMGATE_INLINE_WRITES", "yes"),
        Arguments.of("STREAMGATE_DRAIN_TIMEOUT", "20 seconds"),
        Arguments.of("STREAMGATE_DELIVERY_THREADS", "0"),
        Arguments.of("STREAMGATE_TIMER_THREADS", "0"),
        Arguments.of("STREAMGATE_MODELS", "llama"), // no "=base-url"
        Arguments.of("STREAMGATE_MODELS_FILE", "/nonexistent/models"),
        Arguments.of("STREAMGATE_UPSTREAM_IDLE_TIMEOUT", "1 minute"),
        Arguments.of("STREAMGATE_API_KEYS", "alice:not-a-hash"),
        Arguments.of("STREAMGATE_API_KEYS_FILE", "/nonexistent/keys"),
        Arguments.of("STREAMGATE_ALLOWED_ORIGINS", "app.example"),
        Arguments.of("STREAMGATE_PUBLIC_ORIGIN", "gateway.example/path"),
        Arguments.of("STREAMGATE_TICKET_TTL", "5 min"),
        Arguments.of("STREAMGATE_TICKET_MAX_CONNECTIONS", "-1"),
        Arguments.of("STREAMGATE_TICKET_SECRET", "tiny-secret"),
        Arguments.of("STREAMGATE_KEY_RATE", "fast"),
        Arguments.of("STREAMGATE_KEY_MAX_LIVE", "0"),
        Arguments.of("STREAMGATE_KEY_MAX_CONNECTIONS", "x"),
        Arguments.of("STREAMGATE_MAX_OPEN_STREAMS", "-3"),
        Arguments.of("STREAMGATE_POLLS_PER_GENERATION", "1.5"),
        Arguments.of("STREAMGATE_WS_MAX_STREAMS", "none"),
        Arguments.of("STREAMGATE_WS_RATE", "0"),
        Arguments.of("STREAMGATE_METRICS_ACCESS", "nobody-of-that-name"),
        Arguments.of("STREAMGATE_REDIS_URL", "http://127.0.0.1:6379"),
        Arguments.of("STREAMGATE_REDIS_PASSWORD", "hunter2"), // without a URL
        Arguments.of("STREAMGATE_REDIS_LEASE", "0s"),
        Arguments.of("STREAMGATE_REDIS_TIMEOUT", "0s"),
        Arguments.of("STREAMGATE_NODE_ID", "has spaces"),
        Arguments.of("STREAMGATE_TLS_CERT", "/nonexistent/gateway.pem"),
        Arguments.of("STREAMGATE_TLS_KEY", "/nonexistent/gateway.key"), // without a certificate
        Arguments.of("STREAMGATE_TLS_PASSWORD", "hunter2"), // without a certificate
        Arguments.of("STREAMGATE_TLS_PORT", "70000"),
        Arguments.of("STREAMGATE_HTTP2", "maybe"));
  }

  /** Secrets: the refusal names the setting but never repeats the value. */
  private static final Set<String> SECRETS =
      Set.of(
          "STREAMGATE_API_KEYS",
          "STREAMGATE_TICKET_SECRET",
          "STREAMGATE_REDIS_PASSWORD",
          "STREAMGATE_TLS_PASSWORD");

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badValues")
  void aBadValueStopsTheLauncherNamingTheSettingAndTheValue(String name, String value)
      throws Exception {
    String property =
        "streamgate."
            + name.substring("STREAMGATE_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
    // The suite's own settings live in this JVM's system properties (embedded Tomcat reads them):
    // each is put back as it was, whatever happens here.
    Map<String, String> before = new HashMap<>();
    for (String setting : List.of("streamgate.port", property)) {
      before.put(setting, System.getProperty(setting));
    }
    System.setProperty("streamgate.port", "0"); // unless the test is of the port itself
    System.setProperty(property, value);
    Tomcat started = null;
    try {
      started = Main.start();
      fail(name + "=" + value + " started the gateway");
    } catch (IllegalArgumentException refused) {
      String message = refused.getMessage();
      assertTrue(message.startsWith("StreamGate cannot start: " + name), message);
      if (SECRETS.contains(name)) {
        assertFalse(message.contains(value), message);
      } else {
        assertTrue(message.contains(value), message);
      }
    } finally {
      before.forEach(
          (setting, was) -> {
            if (was == null) {
              System.clearProperty(setting);
            } else {
              System.setProperty(setting, was);
            }
          });
      if (started != null) {
        started.stop();
        started.destroy();
      }
    }
  }

  @Test
  void everySettingInTheReadmeIsCovered() throws Exception {
    Set<String> documented =
        Pattern.compile("`(STREAMGATE_[A-Z][A-Z0-9_]*[A-Z0-9])`")
            .matcher(Files.readString(Path.of("README.md")))
            .results()
            .map(m -> m.group(1))
            .filter(
                name ->
                    !name.equals("STREAMGATE_REQUIRE_ALL")) // the tests' rule, not the gateway's
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> tested =
        badValues()
            .map(arguments -> (String) arguments.get()[0])
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(documented, tested);
  }
}
