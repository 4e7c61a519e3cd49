package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The embedded launcher's access log (the containers keep their own): one line per request, with
 * the path but never its query, where a stream ticket travels, and never a key.
 */
class AccessLogIT {

  @Test
  void theAccessLogNeverHoldsATicketOrAKey() throws Exception {
    OwnLauncher launcher =
        OwnLauncher.start(Map.of("streamgate.api-keys", SecurityIT.key("alice")));
    LogCapture access = LogCapture.of("streamgate.access");
    List<String> lines = access.lines();
    try {
      Gateway gateway = launcher.gateway();
      HttpResponse<String> created =
          gateway.post(
              "api/generations",
              Gateway.simulated("logged").length(3).toString(),
              "Authorization",
              SecurityIT.bearer("alice"));
      assertEquals(201, created.statusCode(), created.body());
      JsonNode generation = Gateway.json(created.body());
      String ticket = generation.get("ticket").asText();
      String id = generation.get("id").asText();
      assertEquals(200, gateway.get("api/generations/" + id + "?ticket=" + ticket).statusCode());
      Gateway.await(
          "the access log line",
          () ->
              lines.stream()
                  .anyMatch(l -> l.contains("\"GET /api/generations/" + id + " HTTP/1.1\" 200 ")));
      for (String line : lines) {
        assertFalse(line.contains(ticket), line);
        assertFalse(line.contains("sk-alice"), line);
        assertFalse(line.contains("ticket="), line);
      }
    } finally {
      access.close();
      launcher.stop();
    }
  }
}
