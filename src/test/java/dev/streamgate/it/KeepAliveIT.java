package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A kept-alive connection serves any number of requests, a WebSocket handshake among them, on every
 * runtime as we configure it. Java's {@link HttpClient} sends a handshake on a pooled connection; a
 * stock Tomcat (maxKeepAliveRequests 100) answers a connection's hundredth request with {@code
 * Connection: close}, a handshake's {@code 101} too, and the JDK refuses that 101.
 */
@Tag("own-server")
class KeepAliveIT {

  private static OwnGateway server;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    server = OwnGateway.start(Map.of());
    gateway = server.gateway();
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
  }

  @Test
  void aWebSocketHandshakeAfterHundredsOfRequestsOnItsConnectionOpens() throws Exception {
    // A client of its own, used one request at a time: its pool holds one connection at a time.
    // 299: were a connection closed after every 100th request, the handshake would be the third
    // connection's 100th.
    HttpClient client = Gateway.http11();
    for (int i = 1; i <= 299; i++) {
      HttpResponse<String> health =
          client.send(gateway.request("health").build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), "request " + i + ": " + health.body());
    }
    WebSocket socket =
        Gateway.await(
            client
                .newWebSocketBuilder()
                .buildAsync(gateway.wsUri("ws"), new WebSocket.Listener() {}));
    Gateway.await(socket.sendClose(WebSocket.NORMAL_CLOSURE, "done"));
  }
}
