package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A stream ticket opens its generation until its time is up, then on no transport, while the key
 * that asked for it still reads everything. A gateway of its own with {@code
 * STREAMGATE_TICKET_TTL=2s}, so the test waits two seconds rather than the default five minutes.
 */
@Tag("own-server")
class TicketExpiryIT {

  private static final Map<String, String> SETTINGS =
      Map.of("streamgate.api-keys", SecurityIT.key("alice"), "streamgate.ticket-ttl", "2s");

  private static final String EXPIRED =
      "The stream ticket is not valid for this generation, or has expired.";

  private static OwnGateway server;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    server = OwnGateway.start(SETTINGS);
    gateway = server.gateway();
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
  }

  private static HttpResponse<String> issue(String id) {
    return gateway.post(
        "api/tickets",
        "{\"generation\":\"" + id + "\"}",
        "Authorization",
        SecurityIT.bearer("alice"));
  }

  @Test
  void anExpiredTicketOpensNothingAndTheKeyStillReadsEverything() {
    HttpResponse<String> created =
        gateway.post(
            "api/generations",
            Gateway.simulated("short lived").length(12).toString(),
            "Authorization",
            SecurityIT.bearer("alice"));
    assertEquals(201, created.statusCode(), created.body());
    String id = Gateway.json(created.body()).get("id").asText();
    HttpResponse<String> issued = issue(id);
    long answered = System.currentTimeMillis(); // the server issued it no later than this
    assertEquals(201, issued.statusCode(), issued.body());
    JsonNode body = Gateway.json(issued.body());
    assertEquals(2, body.get("expires_in").asLong(), issued.body());
    String ticket = body.get("ticket").asText();

    // Waiting on the clock, not on the server: after this, the ticket is past its time however
    // slowly anything ran before.
    Gateway.await("the ticket's 2 s gone", () -> System.currentTimeMillis() > answered + 2_100);

    for (String path :
        java.util.List.of(
            "api/generations/" + id,
            "api/generations/" + id + "/events",
            "api/generations/" + id + "/poll?wait=0")) {
      JsonNode problem =
          Gateway.assertProblem(
              gateway.get(path + (path.contains("?") ? "&" : "?") + "ticket=" + ticket),
              401,
              "unauthorized");
      assertEquals(EXPIRED, problem.get("detail").asText(), path);
    }
    HttpResponse<String> openAi =
        gateway.get("v1/chat/completions/chatcmpl-" + id + "?ticket=" + ticket);
    assertEquals(401, openAi.statusCode(), openAi.body());
    assertEquals("authentication_error", Gateway.json(openAi.body()).at("/error/type").asText());
    Gateway.assertProblem(
        gateway.send(gateway.request("api/generations/" + id + "?ticket=" + ticket).DELETE()),
        401,
        "unauthorized");
    var refused =
        assertInstanceOf(
            WebSocketHandshakeException.class,
            SecurityIT.handshakeFailure(WsClient.connectAsync(gateway, "ws?ticket=" + ticket)));
    assertEquals(401, refused.getResponse().statusCode());

    // Nothing was lost: the key reads the whole generation, and a fresh ticket opens it again (a
    // new one is asked for until one is used within its 2 s, which a loaded machine may delay).
    String text = gateway.awaitEnded(id, SecurityIT.bearer("alice")).get("text").asText();
    Gateway.await(
        "a fresh ticket reads the generation",
        () -> {
          String fresh = Gateway.json(issue(id).body()).get("ticket").asText();
          HttpResponse<String> status = gateway.get("api/generations/" + id + "?ticket=" + fresh);
          return status.statusCode() == 200
              && text.equals(Gateway.json(status.body()).get("text").asText());
        });
  }
}
