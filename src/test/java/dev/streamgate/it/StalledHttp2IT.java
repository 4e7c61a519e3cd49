package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 clients that stop reading: each grants the server unlimited flow-control windows, asks for
 * the event stream of a ~5 MB generation, and never reads again (a raw socket with a 1 KB receive
 * buffer), so the server's writes meet a full TCP window, not an HTTP/2 one; Tomcat then blocks the
 * writing thread. Over HTTP/1.1 that is StalledClientsIT. There are more of them than the gateway
 * has delivery threads, and they must hold back nobody, on HTTP/2 or on HTTP/1.1; once dropped (the
 * stuck timeout) they resume from what they had with the exact text. On the launcher with
 * STREAMGATE_HTTP2.
 */
class StalledHttp2IT {

  private static final int STALLED = 8; // more than the delivery threads (2 x cores, at least 4)

  /** Long enough that the normal clients end long before it (they take about a second each). */
  private static final String STUCK_TIMEOUT = "20s";

  private static OwnLauncher server;
  private static Gateway http11;
  private static Gateway h2c;

  @BeforeAll
  static void start() throws Exception {
    server =
        OwnLauncher.start(
            Map.of("streamgate.http2", "true", "streamgate.stuck-timeout", STUCK_TIMEOUT));
    http11 = server.gateway();
    h2c =
        new Gateway(
            http11.uri("").toURL(),
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build());
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
  }

  private record Stalled(String id, Socket socket) {}

  @Test
  void http2ClientsThatStopReadingDelayNobodyAndResumeExactly() throws Exception {
    long dropsBefore = metric("stuck_drops");
    long openBefore = metric("open_streams");
    long liveBefore = metric("live_streams");
    List<Stalled> stalled = new ArrayList<>();
    try {
      URI base = http11.uri("");
      for (int i = 0; i < STALLED; i++) {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(1024); // before connecting, so the TCP window stays small
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
        socket.setSoTimeout((int) Gateway.TIMEOUT.toMillis());
        RawHttp2.openWithUnlimitedWindows(socket);
        String id = http11.createGeneration(StalledClientsIT.huge(i));
        RawHttp2.get(
            socket,
            1,
            base.getAuthority(),
            base.getRawPath() + "api/generations/" + id + "/events",
            "accept",
            "text/event-stream");
        stalled.add(new Stalled(id, socket));
      }
      Gateway.await("the huge generations to end", () -> metric("live_streams") <= liveBefore);
      Gateway.await(
          "the stalled streams to be open", () -> metric("open_streams") >= openBefore + STALLED);

      // Meanwhile a normal client over HTTP/2, and one over HTTP/1.1, each gets its exact text,
      // while every stalled client is still held: nobody had to wait for them to be dropped.
      for (Gateway normal : List.of(h2c, http11)) {
        String id = normal.createGeneration(Gateway.richText().tokensPerSecond(50).length(40));
        SseReader reader = SseReader.open(normal, id);
        reader.awaitEnd();
        assertEquals(normal.status(id).get("text").asText(), reader.transcript().text());
        assertEquals(dropsBefore, metric("stuck_drops"), "no stalled client dropped yet");
        assertTrue(
            metric("open_streams") >= openBefore + STALLED, "every stalled stream still open");
      }
      assertEquals(HttpClient.Version.HTTP_2, h2c.get("health").version());

      // Dropped by the gateway's stuck timeout, or by Tomcat's HTTP/2 write timeout, which the
      // launcher sets to the same: whichever comes first.
      Gateway.await(
          "the stalled clients to be dropped", () -> metric("open_streams") <= openBefore);
      for (Stalled client : stalled) {
        StalledClientsIT.Received had =
            StalledClientsIT.events(client.id(), RawHttp2.readStream(client.socket(), 1), false);
        String full = http11.awaitEnded(client.id()).get("text").asText();
        Gateway.Polling rest = http11.pollToEnd(client.id(), had.cursor());
        Gateway.await(rest.end());
        assertEquals(full, had.text() + rest.transcript().text(), "resumed after " + had.cursor());
      }
    } finally {
      for (Stalled client : stalled) {
        client.socket().close();
      }
    }
  }

  private static long metric(String name) {
    return Gateway.json(http11.get("api/metrics").body()).get(name).asLong();
  }
}
