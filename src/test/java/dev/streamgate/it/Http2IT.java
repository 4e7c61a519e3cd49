package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamgate.boot.SelfSigned;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * HTTPS with HTTP/2: h2 by ALPN, HTTP/1.1 for clients that do not offer h2, every transport that
 * rides on HTTP working over it, and a browser running ten event streams at once on one connection.
 * The certificate is PEM, made here by keytool. On the launcher with STREAMGATE_TLS_CERT, _KEY and
 * STREAMGATE_HTTP2; on a standalone Tomcat with the README's TLS connector (Http2Protocol,
 * SSLHostConfig). Not on Payara (pom.xml, the payara run's excludes). Cleartext HTTP/2: H2cIT.
 */
@Tag("own-server")
class Http2IT {

  private static OwnGateway server;
  private static SelfSigned certificate;
  private static int tlsPort;

  @BeforeAll
  static void start() throws Exception {
    certificate = SelfSigned.in(Path.of("target", "tls"), "EC");
    server =
        OwnGateway.start(
            Map.of(
                "streamgate.tls-cert",
                certificate.certPem().toString(),
                "streamgate.tls-key",
                certificate.keyPem().toString(),
                "streamgate.tls-port",
                "0",
                "streamgate.http2",
                "true"));
    tlsPort = server.tlsPort();
    assertTrue(tlsPort > 0, "an HTTPS port");
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
  }

  private static HttpClient client(HttpClient.Version version) throws Exception {
    return HttpClient.newBuilder()
        .version(version)
        .sslContext(certificate.trust())
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static Gateway https(HttpClient.Version version) throws Exception {
    return new Gateway(new URL(tlsBase() + "/"), client(version));
  }

  @Test
  void httpsSpeaksHttp2ByAlpnAndHttp11ToClientsThatDoNotAsk() throws Exception {
    HttpResponse<String> h2 = https(HttpClient.Version.HTTP_2).get("health");
    assertEquals(200, h2.statusCode());
    assertEquals(HttpClient.Version.HTTP_2, h2.version());
    HttpResponse<String> h11 = https(HttpClient.Version.HTTP_1_1).get("health");
    assertEquals(200, h11.statusCode());
    assertEquals(HttpClient.Version.HTTP_1_1, h11.version());
  }

  @Test
  void anEventStreamOverH2ArrivesEventByEventAndResumesExactly() throws Exception {
    everyHttpTransportStreamsOver(https(HttpClient.Version.HTTP_2));
  }

  /**
   * An event stream and a {@code /v1} stream over {@code gateway}'s HTTP/2 connection, each
   * delivering while the generation still runs (so not buffered to its end), then long polling the
   * whole text again: every transport that rides on HTTP, with the exact text.
   */
  static void everyHttpTransportStreamsOver(Gateway gateway) {
    // 60 s of tokens: the first arrives while the generation still runs, or it was buffered.
    String id =
        gateway.createGeneration(
            Gateway.simulated("over http/2").length(1200).maxTokens(1200).tokensPerSecond(20));
    SseReader events = SseReader.open(gateway, id).awaitCursor(3);
    assertEquals(HttpClient.Version.HTTP_2, events.response().version());
    assertEquals("running", gateway.status(id).get("state").asText(), "streamed, not buffered");

    // /v1 over the same connection: its first chunk, also while the generation runs.
    HttpResponse<Stream<String>> openAi =
        gateway
            .client()
            .sendAsync(
                gateway
                    .request("v1/chat/completions/chatcmpl-" + id)
                    .header("Accept", "text/event-stream")
                    .timeout(Gateway.TIMEOUT)
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofLines())
            .join();
    assertEquals(200, openAi.statusCode());
    assertEquals(HttpClient.Version.HTTP_2, openAi.version());
    Iterator<String> lines = openAi.body().iterator();
    String data = "";
    while (!data.startsWith("data: {")) {
      data = lines.next();
    }
    assertTrue(data.contains("\"chat.completion.chunk\""), data);
    assertEquals("running", gateway.status(id).get("state").asText(), "streamed, not buffered");
    openAi.body().close();

    gateway.cancel(id);
    events.awaitEnd();
    JsonNode status = gateway.awaitEnded(id);
    assertEquals(status.get("text").asText(), events.transcript().text());
    // Long polling over the same connection reads the whole of it again.
    Gateway.Polling polled = gateway.pollToEnd(id, 0);
    Gateway.await(polled.end());
    assertEquals(status.get("text").asText(), polled.transcript().text());
  }

  /** Chromium over HTTPS: ten EventSources on one page, all at once on one connection. */
  @Test
  void aBrowserRunsTenEventStreamsAtOnceOverHttp2() throws Exception {
    NodeTests.install();
    NodeTests.requireChromium();
    NodeTests.test("http2", "http2.test.mjs", Map.of("STREAMGATE_TLS_URL", tlsBase()));
  }

  /** The gateway's HTTPS base URL, with its context path and no trailing slash. */
  private static String tlsBase() {
    return ("https://127.0.0.1:" + tlsPort + server.contextPath()).replaceFirst("/+$", "");
  }
}
