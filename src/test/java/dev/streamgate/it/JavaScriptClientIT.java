package dev.streamgate.it;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs the JavaScript tests in {@code src/test/js} under Node against the built webapp on the run's
 * runtime (OwnGateway, so the page is also tested under a context path): the client module's tests,
 * then the page's tests in Chromium. A second gateway requires an API key, which the tests get in
 * clear through the environment (NodeTests: the output, and no silent skips).
 */
@Tag("own-server")
class JavaScriptClientIT {

  /** A fresh key per run; the keyed gateway holds only its SHA-256. */
  private static final String API_KEY = "sk-js-" + UUID.randomUUID();

  private static OwnGateway open; // null on Tomcat and Payara, whose shared gateway serves
  private static Gateway openGateway;
  private static OwnGateway keyed;

  @BeforeAll
  static void startGatewaysAndInstallTestDependencies() throws Exception {
    NodeTests.install();
    // Without keys the tests need nothing but the run's settings: on Tomcat and Payara that is
    // the run's shared gateway (one server start fewer); the embedded run deploys per suite.
    if (DeployedGateway.EXTERNAL_BASE == null) {
      open = OwnGateway.start(Map.of());
      openGateway = open.gateway();
    } else {
      openGateway = ExternalGateway.shared(DeployedGateway.EXTERNAL_BASE);
    }
    byte[] hash =
        MessageDigest.getInstance("SHA-256").digest(API_KEY.getBytes(StandardCharsets.UTF_8));
    keyed =
        OwnGateway.start(
            Map.of("streamgate.api-keys", "js=sha256:" + HexFormat.of().formatHex(hash)));
  }

  @AfterAll
  static void stopGateways() throws Exception {
    for (OwnGateway server : new OwnGateway[] {open, keyed}) {
      if (server != null) {
        server.stop();
      }
    }
  }

  /** The gateway's base URL as the JavaScript client takes it: no trailing slash. */
  static String base(Gateway gateway) {
    return gateway.uri("").toString().replaceFirst("/+$", "");
  }

  private static Map<String, String> env() {
    return Map.of(
        "STREAMGATE_URL", base(openGateway),
        "STREAMGATE_KEYED_URL", base(keyed.gateway()),
        "STREAMGATE_API_KEY", API_KEY);
  }

  @Test
  void clientModuleTestsPassUnderNode() throws Exception {
    NodeTests.test("client", "client.test.mjs", env());
  }

  @Test
  void pageTestsPassInChromium() throws Exception {
    NodeTests.requireChromium();
    NodeTests.test("page", "page.test.mjs", env());
  }
}
