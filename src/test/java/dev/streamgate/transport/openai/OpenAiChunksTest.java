package dev.streamgate.transport.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.stream.Usage;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiChunksTest {

  private final OpenAiChunks chunks = new OpenAiChunks("gen_1", 1700000000, "simulated");
  private static final String HEAD =
      "{\"id\":\"chatcmpl-gen_1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
          + "\"model\":\"simulated\"";

  @Test
  void theFirstChunkCarriesTheRole() {
    assertEquals(
        HEAD
            + ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
            + "\"content\":\"Hi\"},\"logprobs\":null,\"finish_reason\":null}]}",
        chunks.content(new Slice(0, List.of("Hi"), null)));
  }

  @Test
  void laterChunksCarryOnlyContentCoalescedWhenBehind() {
    assertEquals(
        HEAD
            + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" a\\nb\"},"
            + "\"logprobs\":null,\"finish_reason\":null}]}",
        chunks.content(new Slice(3, List.of(" a", "\n", "b"), null)));
  }

  @Test
  void aNonStreamedAnswerCarriesTheMessageWithItsNullRefusalAndUsage() {
    assertEquals(
        "{\"id\":\"chatcmpl-gen_1\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"simulated\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"Hi\\n\",\"refusal\":null},\"logprobs\":null,"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,"
            + "\"completion_tokens\":2,\"total_tokens\":5}}",
        chunks.completion("Hi\n", new Terminal(FinishReason.STOP, 2, null, null), new Usage(3, 2)));
  }

  @Test
  void theLastChunkHasTheFinishReasonThenUsageHasNoChoices() {
    assertEquals(
        HEAD
            + ",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
            + "\"finish_reason\":\"length\"}]}",
        chunks.finish(new Terminal(FinishReason.LENGTH, 5, null, null), true));
    assertEquals(
        HEAD
            + ",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":5,"
            + "\"total_tokens\":12}}",
        chunks.usage(new Usage(7, 5)));
  }

  @Test
  void anErrorGoesInBand() {
    assertEquals(
        "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,"
            + "\"code\":\"model_error\"}}",
        OpenAiChunks.error("model_error", "boom"));
  }

  @Test
  void eventsCarryTheCursorAsTheirId() {
    assertEquals(
        "id: 4\ndata: {}\n\ndata: [DONE]\n\n",
        OpenAiChunks.done(OpenAiChunks.event(new StringBuilder(), 4, "{}")).toString());
  }

  @Test
  void usageFallsBackToOurOwnCountAndSaysItIsAnEstimate() {
    assertEquals(new Usage(0, 9, true), Usage.of(null, 9));
    assertEquals(new Usage(6, 9, false), Usage.of(new Usage(6, 0), 9));
    assertEquals(new Usage(6, 9, true), Usage.of(new Usage(6, 0, true), 9));
    assertEquals(new Usage(6, 8, false), Usage.of(new Usage(6, 8), 9));
    assertEquals(new Usage(6, 0, true), Usage.of(new Usage(6, 0, true), 0));
  }
}
