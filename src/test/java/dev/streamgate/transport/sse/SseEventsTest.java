package dev.streamgate.transport.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseEventsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aTokenIsOneLineOfJsonWithItsSeq() {
    assertEquals(
        "{\"seq\":7,\"text\":\" world\"}",
        SseEvents.tokenData(new Slice(6, List.of(" world"), null)));
  }

  @Test
  void lineBreaksInTokenTextCannotEndTheDataLineOrForgeAnEvent() throws Exception {
    String hostile = "a\r\nb\nc\rd\n\nevent: done\ndata: {}\n\n\u2028";
    String data = SseEvents.tokenData(new Slice(0, List.of(hostile), null));
    assertFalse(data.contains("\n") || data.contains("\r"), data);
    JsonNode parsed = JSON.readTree(data);
    assertEquals(hostile, parsed.get("text").asText());
  }

  @Test
  void aClientThatFellBehindGetsTheTokensInOneEvent() throws Exception {
    JsonNode data =
        JSON.readTree(SseEvents.tokenData(new Slice(3, List.of(" one", " two", " three"), null)));
    assertEquals(4, data.get("first_seq").asLong());
    assertEquals(6, data.get("seq").asLong());
    assertEquals(" one two three", data.get("text").asText());
  }

  @Test
  void theEndSaysWhyAndHowManyTokens() {
    assertEquals(
        "{\"finish_reason\":\"length\",\"tokens\":12}",
        SseEvents.endData(new Terminal(FinishReason.LENGTH, 12, null, null)));
    assertEquals(
        "{\"finish_reason\":\"cancelled\",\"tokens\":3,\"cancelled_by\":\"disconnect\"}",
        SseEvents.endData(new Terminal(FinishReason.CANCELLED, 3, "disconnect", null)));
    assertEquals(
        "{\"code\":\"model_error\",\"message\":\"it \\\"broke\\\"\",\"tokens\":3}",
        SseEvents.endData(new Terminal(FinishReason.ERROR, 3, "model_error", "it \"broke\"")));
  }
}
