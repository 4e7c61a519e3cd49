package dev.streamgate.it;

import static dev.streamgate.it.Gateway.richText;
import static dev.streamgate.it.Gateway.simulated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code /ws} from the JDK's WebSocket client: generate, subscribe, resume, and bad messages. */
class WebSocketIT extends DeployedGateway {

  private WsClient client;

  @AfterEach
  void closeSocket() {
    if (client != null) {
      client.close();
    }
  }

  /** An error frame for a cancel of nothing: every frame sent before it has arrived. */
  private void barrier(String name) {
    client.send("{\"type\":\"cancel\",\"id\":\"gen_" + name + "\"}");
    client.awaitFrame(f -> ("gen_" + name).equals(f.path("id").asText()));
  }

  private long tokenFrames(String id) {
    return client.frames().stream()
        .filter(f -> "token".equals(WsClient.type(f)) && id.equals(f.path("id").asText()))
        .count();
  }

  @Test
  void unsubscribeStopsTheFramesOfThatGenerationAndLeavesItRunning() {
    client = WsClient.connect(gateway);
    String id =
        gateway.createGeneration(simulated("unsubscribe me").length(60).tokensPerSecond(20));
    client.subscribe(id, 0);
    client.transcript(id); // made by subscribe; wait for a few tokens
    Gateway.await("tokens over the socket", () -> client.transcript(id).cursor() >= 3);

    client.send("{\"type\":\"unsubscribe\",\"id\":\"" + id + "\"}");
    barrier("after_unsubscribe"); // the server has handled the unsubscribe
    long seen = tokenFrames(id);
    JsonNode end = gateway.awaitEnded(id); // it ran on to its end: only the socket left
    assertEquals("completed", end.get("state").asText());
    barrier("after_the_end");
    assertEquals(seen, tokenFrames(id), "no token frame after the unsubscribe");
    assertTrue(
        client.frames().stream()
            .noneMatch(f -> "done".equals(WsClient.type(f)) && id.equals(f.path("id").asText())),
        "nor its end");
    assertTrue(seen < 60, seen + " of 60 tokens came before");
  }

  /**
   * The suite's STREAMGATE_KEEPALIVE is 1 s: a socket following a generation that says nothing yet
   * gets WebSocket pings, so idle proxies keep it, and then its tokens.
   */
  @Test
  void aSocketWaitingOnASilentGenerationGetsPings() {
    client = WsClient.connect(gateway);
    String id = gateway.createGeneration(simulated("think first").ttftMs(30_000).length(3));
    client.subscribe(id, 0);
    try {
      Gateway.await("two pings while the model is silent", () -> client.pings() >= 2);
      assertEquals(0, tokenFrames(id), "the pings came before any token");
      barrier("still_open"); // and the socket still answers
    } finally {
      gateway.cancel(id);
    }
  }

  @Test
  void generateStreamsTheWholeGenerationAsTheStatusText() {
    client = WsClient.connect(gateway);

    String id = client.generate(richText().length(40));
    JsonNode done = client.awaitEnd(id);

    assertEquals("done", WsClient.type(done), done.toString());
    assertEquals("stop", done.get("finish_reason").asText());
    assertEquals(40, done.get("tokens").asInt());
    assertEquals(
        Gateway.assertRich(gateway.status(id).get("text").asText()), client.transcript(id).text());
  }

  @Test
  void subscribeAfterResumesWithExactlyTheRest() {
    client = WsClient.connect(gateway);
    String id =
        client.generate(simulated("resume on a new socket").length(100).tokensPerSecond(100));
    Gateway.await("ten tokens", () -> client.transcript(id).cursor() >= 10);
    client.drop();
    Transcript.Received before = client.transcript(id).received();
    assertTrue(before.cursor() < 100, "dropped mid-stream, at " + before.cursor());

    client = WsClient.connect(gateway);
    client.subscribe(id, before.cursor());

    assertEquals("done", WsClient.type(client.awaitEnd(id)));
    assertEquals(
        gateway.status(id).get("text").asText(), before.text() + client.transcript(id).text());
  }

  @Test
  void severalGenerationsShareOneSocket() {
    client = WsClient.connect(gateway);
    String created = gateway.createGeneration(simulated("made over HTTP").length(30).seed(1));

    String generated = client.generate(simulated("made on the socket").length(35).seed(2));
    client.subscribe(created, 0);

    assertEquals("done", WsClient.type(client.awaitEnd(generated)));
    assertEquals("done", WsClient.type(client.awaitEnd(created)));
    assertEquals(
        gateway.status(generated).get("text").asText(), client.transcript(generated).text());
    assertEquals(gateway.status(created).get("text").asText(), client.transcript(created).text());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "{\"type\":                                           | malformed_json  |",
        "[]                                                     | invalid_message |",
        "{\"type\":\"dance\"}                                 | invalid_message |",
        "{\"type\":\"subscribe\"}                             | invalid_message |",
        "{\"type\":\"subscribe\",\"id\":\"gen_unknown\",\"after\":0} | not_found | gen_unknown",
        "{\"type\":\"cancel\",\"id\":\"gen_unknown\"}       | not_found       | gen_unknown",
      })
  void badMessageGetsAnErrorFrameAndTheSocketStaysUsable(String message, String code, String id) {
    client = WsClient.connect(gateway);

    client.send(message);

    assertError(id, code);
    assertSocketStillWorks();
  }

  @Test
  void subscribePastTheLastSeqGetsInvalidCursor() {
    client = WsClient.connect(gateway);
    String id = gateway.createGeneration(simulated("short").length(5));
    gateway.awaitEnded(id);

    client.subscribe(id, 6);

    assertError(id, "invalid_cursor");
  }

  @Test
  void subscribeWithANonNumericAfterGetsInvalidCursor() {
    client = WsClient.connect(gateway);
    String id = gateway.createGeneration(simulated("short").length(5));

    client.send("{\"type\":\"subscribe\",\"id\":\"" + id + "\",\"after\":\"abc\"}");

    assertError(id, "invalid_cursor");
    gateway.awaitEnded(id);
  }

  @Test
  void refusedGenerateEchoesItsRef() {
    client = WsClient.connect(gateway);

    client.send("{\"type\":\"generate\",\"ref\":\"mine\",\"request\":{\"messages\":[]}}");

    JsonNode error = assertError(null, "invalid_request");
    assertEquals("mine", error.get("ref").asText(), error.toString());
    assertSocketStillWorks();
  }

  @Test
  void binaryFrameGetsUnsupportedFrame() {
    client = WsClient.connect(gateway);

    client.sendBinary(new byte[] {1, 2, 3});

    assertError(null, "unsupported_frame");
    assertSocketStillWorks();
  }

  @Test
  void binaryFrameOfTwoKilobytesGetsUnsupportedFrame() {
    client = WsClient.connect(gateway);

    client.sendBinary(new byte[2048]);

    assertError(null, "unsupported_frame");
    assertSocketStillWorks();
  }

  @Test
  void oversizedFrameClosesTheSocketWith1009() {
    client = WsClient.connect(gateway);

    client.sendAsync("{\"type\":\"cancel\",\"id\":\"" + "x".repeat(1 << 20) + "\"}");

    assertEquals(1009, client.awaitClose());
  }

  private JsonNode assertError(String id, String code) {
    JsonNode error = client.awaitFrame(frame -> "error".equals(WsClient.type(frame)));
    assertEquals(code, error.get("code").asText(), error.toString());
    assertEquals(id == null ? "null" : id, error.get("id").asText(), error.toString());
    assertTrue(!error.get("message").asText().isBlank(), error.toString());
    return error;
  }

  private void assertSocketStillWorks() {
    String id = client.generate(simulated("still there?").length(5));
    assertEquals("done", WsClient.type(client.awaitEnd(id)));
    assertEquals(gateway.status(id).get("text").asText(), client.transcript(id).text());
  }
}
