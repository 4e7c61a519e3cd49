package dev.streamgate.it;

import static dev.streamgate.it.Gateway.simulated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** One token log behind every transport: resume across them, and one end reaching them all. */
class CrossTransportIT extends DeployedGateway {

  @Test
  void pollingResumesExactlyWhereADroppedWebSocketLeftOff() {
    WsClient socket = WsClient.connect(gateway);
    String id = socket.generate(simulated("switch transports").length(100).tokensPerSecond(100));
    Gateway.await("ten tokens on the socket", () -> socket.transcript(id).cursor() >= 10);
    socket.drop();
    Transcript.Received before = socket.transcript(id).received();
    assertTrue(before.cursor() < 100, "dropped mid-stream, at " + before.cursor());

    Gateway.Polling polling = gateway.pollToEnd(id, before.cursor());
    JsonNode last = Gateway.await(polling.end());

    assertEquals("stop", last.get("finish_reason").asText());
    assertEquals(
        gateway.status(id).get("text").asText(), before.text() + polling.transcript().text());
  }

  @Test
  void deleteEndsEveryReaderWithCancelled() {
    Readers readers = Readers.attach(gateway, gateway.createGeneration(longGeneration()));

    JsonNode cancelled = gateway.cancel(readers.id);

    readers.assertEndedWithCancelled(cancelled);
  }

  @Test
  void webSocketCancelEndsEveryReaderWithCancelled() {
    Readers readers = Readers.attach(gateway, gateway.createGeneration(longGeneration()));

    readers.socket.cancel(readers.id);

    readers.assertEndedWithCancelled(gateway.awaitEnded(readers.id));
  }

  @Test
  void modelErrorReachesEveryTransportWithTheTokensBeforeIt() {
    String id =
        gateway.createGeneration(
            simulated("fail halfway").length(40).failAfter(15).tokensPerSecond(100));
    Readers readers = Readers.attach(gateway, id);

    SseReader.Event sseError = readers.sse.awaitEnd();
    JsonNode wsError = readers.socket.awaitEnd(id);
    JsonNode pollEnd = Gateway.await(readers.polling.end());

    JsonNode status = gateway.awaitEnded(id);
    assertEquals("failed", status.get("state").asText());
    assertEquals("error", status.get("finish_reason").asText());
    assertEquals(15, status.get("tokens").asInt());
    assertEquals("model_error", status.get("error").get("code").asText(), status.toString());
    assertEquals("error", sseError.type(), sseError.toString());
    assertEquals("model_error", sseError.json().get("code").asText());
    assertEquals(15, sseError.json().get("tokens").asInt());
    assertEquals("error", WsClient.type(wsError), wsError.toString());
    assertEquals("model_error", wsError.get("code").asText());
    assertEquals(true, pollEnd.get("done").asBoolean());
    assertEquals("error", pollEnd.get("finish_reason").asText());
    assertEquals("model_error", pollEnd.get("error").get("code").asText(), pollEnd.toString());
    readers.assertEachReassembled(status.get("text").asText());
    readers.socket.close();
  }

  /** Runs for 20 s unless cancelled; the tests cancel it within a second or two. */
  private static Gateway.Spec longGeneration() {
    return simulated("a long answer").length(2000).maxTokens(2000).tokensPerSecond(100);
  }

  /** An SSE reader, a WebSocket subscriber and a long-poll loop on one generation. */
  private record Readers(
      Gateway gateway, String id, SseReader sse, WsClient socket, Gateway.Polling polling) {

    /** Attaches all three and waits until each has a token, so each is live when the test acts. */
    static Readers attach(Gateway gateway, String id) {
      SseReader sse = SseReader.open(gateway, id);
      WsClient socket = WsClient.connect(gateway);
      socket.subscribe(id, 0);
      Gateway.Polling polling = gateway.pollToEnd(id, 0);
      Gateway.await(
          "a token on every transport",
          () ->
              sse.transcript().cursor() > 0
                      && socket.transcript(id).cursor() > 0
                      && polling.transcript().cursor() > 0
                  || gateway.status(id).get("state").asText().equals("failed"));
      return new Readers(gateway, id, sse, socket, polling);
    }

    void assertEndedWithCancelled(JsonNode cancelledStatus) {
      JsonNode sseDone = sse.assertDone("cancelled");
      JsonNode wsDone = socket.awaitEnd(id);
      JsonNode pollEnd = Gateway.await(polling.end());

      JsonNode status = gateway.status(id);
      assertEquals("cancelled", status.get("state").asText());
      assertEquals("cancelled", status.get("finish_reason").asText());
      assertEquals(
          cancelledStatus.get("tokens"), status.get("tokens"), "nothing written after the cancel");
      int tokens = status.get("tokens").asInt();
      assertEquals(tokens, sseDone.get("tokens").asInt());
      assertEquals("done", WsClient.type(wsDone), wsDone.toString());
      assertEquals("cancelled", wsDone.get("finish_reason").asText());
      assertEquals(tokens, wsDone.get("tokens").asInt());
      assertEquals(true, pollEnd.get("done").asBoolean());
      assertEquals("cancelled", pollEnd.get("finish_reason").asText());
      assertEachReassembled(status.get("text").asText());
      socket.close();
    }

    void assertEachReassembled(String text) {
      assertEquals(text, sse.transcript().text(), "SSE");
      assertEquals(text, socket.transcript(id).text(), "WebSocket");
      assertEquals(text, polling.transcript().text(), "long polling");
    }
  }
}
