package dev.streamgate.transport.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import java.util.List;
import org.junit.jupiter.api.Test;

class PollResponsesTest {

  @Test
  void nothingNewIsAnEmptyListAtTheSameCursor() {
    assertEquals(
        "{\"tokens\":[],\"last_seq\":4,\"done\":false,\"finish_reason\":null}",
        PollResponses.of(new Slice(4, List.of(), null)));
  }

  @Test
  void everyTokenKeepsItsOwnSeq() {
    assertEquals(
        "{\"tokens\":[{\"seq\":5,\"text\":\"a\\nb\"},{\"seq\":6,\"text\":\"\\u0000\"}],"
            + "\"last_seq\":6,\"done\":true,\"finish_reason\":\"stop\"}",
        PollResponses.of(
            new Slice(4, List.of("a\nb", "\0"), new Terminal(FinishReason.STOP, 6, null, null))));
  }

  @Test
  void aFailedGenerationCarriesItsError() {
    assertEquals(
        "{\"tokens\":[],\"last_seq\":2,\"done\":true,\"finish_reason\":\"error\","
            + "\"error\":{\"code\":\"model_error\",\"message\":\"boom\"}}",
        PollResponses.of(
            new Slice(2, List.of(), new Terminal(FinishReason.ERROR, 2, "model_error", "boom"))));
  }
}
