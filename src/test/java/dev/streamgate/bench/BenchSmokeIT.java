package dev.streamgate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamgate.boot.Main;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A few seconds of the load generator on every transport, so it never rots: every stream it ran
 * came back complete, in order, exactly once, with the model's exact text.
 */
class BenchSmokeIT {

  private static Tomcat tomcat;
  private static int port;
  private static String[] expected;

  @BeforeAll
  static void startGateway() throws Exception {
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    String http2 = System.getProperty("streamgate.http2");
    System.setProperty("streamgate.http2", "true"); // h2c beside HTTP/1.1, for gRPC
    try {
      tomcat = Main.start(port, Path.of("target", "streamgate"));
    } finally {
      if (http2 == null) {
        System.clearProperty("streamgate.http2");
      } else {
        System.setProperty("streamgate.http2", http2);
      }
    }
    expected = ServerMetrics.expectedTexts("http://127.0.0.1:" + port, 3, 20);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    tomcat.stop();
    tomcat.destroy();
  }

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"SSE", "WS", "POLL", "OPENAI", "GRPC", "SSE_H2C"})
  void everyStreamArrivesWholeAndInOrder(Transport transport) throws Exception {
    Plan plan = new Plan(transport, "127.0.0.1", port, 3, 20, 100, 50, expected, null);
    RunResult result = new LoadRun(plan, new LoadRun.Timing(0.1, 0.1, 1.0, 10), 1).run();

    assertEquals(0, result.errors() + result.incomplete(), () -> Bench.summary(result));
    assertTrue(result.streams() >= 3, () -> Bench.summary(result));
    assertEquals(result.streams(), result.verified());
    assertEquals(0, result.lost());
    assertEquals(0, result.duplicated());
    assertEquals(0, result.reordered());
    assertEquals(0, result.mismatched());
    assertTrue(result.tokens() > 0 && result.serverCpuSeconds() > 0, () -> Bench.summary(result));
  }

  @org.junit.jupiter.api.Test
  void sseStreamsDroppedEveryFewTokensResumeWhole() throws Exception {
    int[] oneNode = {port}; // the cluster benchmark's resume route, each resume on the same node
    Plan plan =
        new Plan(
            Transport.SSE, "127.0.0.1", port, 3, 20, 100, 50, expected, null, oneNode, 0, false, 4);
    RunResult result = new LoadRun(plan, new LoadRun.Timing(0.1, 0.1, 1.0, 10), 1).run();

    assertEquals(0, result.errors() + result.incomplete(), () -> Bench.summary(result));
    assertTrue(result.resumes() > 0, () -> Bench.summary(result));
    assertTrue(result.streams() >= 3, () -> Bench.summary(result));
    assertEquals(result.streams(), result.verified());
    assertEquals(0, result.lost() + result.duplicated() + result.reordered() + result.mismatched());
  }
}
