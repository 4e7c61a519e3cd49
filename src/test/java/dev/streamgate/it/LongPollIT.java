package dev.streamgate.it;

import static dev.streamgate.it.Gateway.richText;
import static dev.streamgate.it.Gateway.simulated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code GET /api/generations/{id}/poll?after=n&wait=s} from a {@code java.net.http} client. */
class LongPollIT extends DeployedGateway {

  @Test
  void pollingToTheEndReassemblesTheStatusText() {
    String id = gateway.createGeneration(richText().length(40));

    Gateway.Polling polling = gateway.pollToEnd(id, 0);
    JsonNode last = Gateway.await(polling.end());

    assertEquals(true, last.get("done").asBoolean());
    assertEquals("stop", last.get("finish_reason").asText());
    assertEquals(40, last.get("last_seq").asInt());
    assertEquals(
        Gateway.assertRich(gateway.status(id).get("text").asText()), polling.transcript().text());
  }

  @Test
  void resumesAfterTheGivenSeq() {
    String id =
        gateway.createGeneration(
            simulated("poll from the middle").length(100).tokensPerSecond(100));
    Gateway.await("ten tokens", () -> gateway.status(id).get("tokens").asInt() >= 10);
    Transcript first = gateway.pollOnce(id, 0);

    assertTrue(first.cursor() < 100, "resumed mid-stream, after " + first.cursor());
    Gateway.Polling rest = gateway.pollToEnd(id, first.cursor());
    Gateway.await(rest.end());

    assertEquals(gateway.status(id).get("text").asText(), first.text() + rest.transcript().text());
  }

  @Test
  void answersAnEmptyListWhenNothingArrivesWithinWait() {
    String id = gateway.createGeneration(simulated("slow to start").ttftMs(10_000));
    long started = System.nanoTime();

    HttpResponse<String> response = gateway.poll(id, "after=0&wait=1");

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(
        Gateway.json("{\"tokens\":[],\"last_seq\":0,\"done\":false,\"finish_reason\":null}"),
        Gateway.json(response.body()));
    assertTrue(took.toMillis() >= 900 && took.toMillis() < 10_000, "answered after " + took);
    gateway.cancel(id);
  }

  @Test
  void waitsTwentyFiveSecondsWhenThePollNamesNoWait() {
    // The first token comes only after 60 s, so nothing but the default wait can end this poll.
    String id = gateway.createGeneration(simulated("slower than the default").ttftMs(60_000));
    long started = System.nanoTime();

    HttpResponse<String> response =
        gateway.send(
            gateway
                .request("api/generations/" + id + "/poll?after=0")
                .timeout(Duration.ofSeconds(90)) // past the client's usual 30 s
                .GET());

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(
        Gateway.json("{\"tokens\":[],\"last_seq\":0,\"done\":false,\"finish_reason\":null}"),
        Gateway.json(response.body()));
    // A timer cannot fire early, so the lower bound holds on any machine; the upper one only says
    // the answer was the default wait's, not the first token's at 60 s.
    assertTrue(took.toMillis() >= 25_000 && took.toMillis() < 60_000, "answered after " + took);
    gateway.cancel(id);
  }

  @Test
  void answersAParkedPollAsSoonAsTheNextTokenArrives() {
    // Timed from before the generation exists: no token can come sooner than its 1.5 s.
    long started = System.nanoTime();
    String id = gateway.createGeneration(simulated("first token later").ttftMs(1_500).length(3));

    HttpResponse<String> response = gateway.poll(id, "after=0&wait=30");

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertEquals(200, response.statusCode(), response.body());
    JsonNode tokens = Gateway.json(response.body()).get("tokens");
    assertEquals(1, tokens.get(0).get("seq").asInt(), response.body());
    // Answered with the token, so it waited for it; and well before the 30 s wait ran out (the
    // bound is over ten times the 1.5 s expected, so a loaded machine cannot break it).
    assertTrue(
        took.toMillis() >= 1_500 && took.toMillis() < 25_000,
        "parked until the first token (1.5 s), not the 30 s wait; answered after " + took);
  }

  @Test
  void answersAtOnceWithEverythingAfterTheCursorOfAFinishedGeneration() {
    String id = gateway.createGeneration(simulated("all at once").length(20));
    gateway.awaitEnded(id);
    JsonNode all = Gateway.json(gateway.poll(id, "after=0&wait=0").body()).get("tokens");

    JsonNode answer = Gateway.json(gateway.poll(id, "after=7&wait=30").body());

    ArrayNode rest = Gateway.JSON.createArrayNode();
    for (int i = 7; i < 20; i++) {
      rest.add(all.get(i));
    }
    assertEquals(rest, answer.get("tokens"));
    assertEquals(20, answer.get("last_seq").asInt());
    assertEquals(true, answer.get("done").asBoolean());
    assertEquals("stop", answer.get("finish_reason").asText());
  }
}
