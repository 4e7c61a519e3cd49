package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Cleartext HTTP/2 (h2c) on the plain port, for proxies and clients inside a cluster: by {@code
 * Upgrade: h2c} (the JDK client's way) and with prior knowledge (a raw socket sends the connection
 * preface), and every transport that rides on HTTP over it. On the launcher with STREAMGATE_HTTP2,
 * and on a standalone Tomcat with {@code Http2Protocol} on its connector (the README's server.xml
 * line); without them each stays on HTTP/1.1. Not on Payara (pom.xml, the payara run's excludes).
 */
@Tag("own-server")
class H2cIT {

  private static OwnGateway server;
  private static Gateway h2c;

  @BeforeAll
  static void start() throws Exception {
    server = OwnGateway.start(Map.of("streamgate.http2", "true"));
    h2c =
        new Gateway(
            server.gateway().uri("").toURL(),
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(10))
                .build());
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
  }

  @Test
  void upgradesToHttp2AndStreamsEveryHttpTransportOverIt() {
    HttpResponse<String> upgraded = h2c.get("health"); // the connection's first: Upgrade: h2c
    assertEquals(200, upgraded.statusCode());
    assertEquals(HttpClient.Version.HTTP_2, upgraded.version());
    Http2IT.everyHttpTransportStreamsOver(h2c);
  }

  @Test
  void withoutItTheServerStaysOnHttp11() throws Exception {
    OwnGateway plain = OwnGateway.start(Map.of());
    try {
      HttpResponse<String> answer =
          new Gateway(plain.gateway().uri("").toURL(), h2c.client()).get("health");
      assertEquals(200, answer.statusCode());
      assertEquals(HttpClient.Version.HTTP_1_1, answer.version(), "the upgrade is declined");
    } finally {
      plain.stop();
    }
  }

  @Test
  void takesHttp2WithPriorKnowledge() throws Exception {
    try (Socket raw = new Socket("127.0.0.1", server.port())) {
      raw.setSoTimeout(30_000);
      OutputStream out = raw.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
      out.flush();
      InputStream in = raw.getInputStream();
      byte[] head = in.readNBytes(9);
      assertEquals(9, head.length, "a frame header");
      assertEquals(
          4, head[3], "the server's first frame is its SETTINGS: " + Arrays.toString(head));
      assertArrayEquals(new byte[] {0, 0, 0, 0}, Arrays.copyOfRange(head, 5, 9), "on stream 0");
    }
  }
}
