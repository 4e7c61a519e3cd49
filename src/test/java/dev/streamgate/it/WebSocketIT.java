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
