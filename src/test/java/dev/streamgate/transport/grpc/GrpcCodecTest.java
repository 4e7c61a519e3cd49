package dev.streamgate.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.streamgate.generation.GenerationRequest;
import dev.streamgate.generation.InvalidRequestException;
import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.OnDisconnect;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.transport.grpc.v1.GenerateRequest;
import dev.streamgate.transport.grpc.v1.Message;
import dev.streamgate.transport.grpc.v1.Simulation;
import dev.streamgate.transport.grpc.v1.StreamEvent;
import dev.streamgate.web.Problem;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GrpcCodecTest {

  private static GenerateRequest.Builder hello() {
    return GenerateRequest.newBuilder()
        .addMessages(Message.newBuilder().setRole("user").setContent("hello"));
  }

  @Test
  void aRequestReadsAsTheSameJsonWouldWithItsDefaults() {
    GenerationRequest request = GrpcCodec.request(hello().build());
    assertEquals(GenerationRequest.DEFAULT_MODEL, request.model());
    assertEquals(GenerationRequest.DEFAULT_MAX_TOKENS, request.maxTokens());
    assertEquals("hello", request.prompt());
    assertNull(request.onDisconnect(), "the endpoint's default applies");

    GenerationRequest set =
        GrpcCodec.request(
            hello()
                .setModel("simulated")
                .setMaxTokens(12)
                .setOnDisconnect("cancel")
                .setSimulation(Simulation.newBuilder().setSeed(9).setLength(5).setTtftMs(0))
                .build());
    assertEquals(12, set.maxTokens());
    assertEquals(OnDisconnect.CANCEL, set.onDisconnect());
    assertEquals(9, set.simulation().seed());
    assertEquals(5, set.simulation().length());
    assertEquals(0, set.simulation().ttftMs());
  }

  @Test
  void aBadRequestIsRefusedInTheJsonApisWords() {
    InvalidRequestException none =
        assertThrows(
            InvalidRequestException.class,
            () -> GrpcCodec.request(GenerateRequest.getDefaultInstance()));
    assertEquals("messages is required: a non-empty array of {role, content}.", none.getMessage());
    InvalidRequestException tokens =
        assertThrows(
            InvalidRequestException.class,
            () -> GrpcCodec.request(hello().setMaxTokens(0).build()));
    assertEquals("max_tokens", tokens.param());
  }

  @Test
  void tokensCarryTheirFirstAndLastSeqAndTheEndItsEvent() {
    StreamEvent two = GrpcCodec.tokens(new Slice(4, List.of("a", "b"), null));
    assertEquals(5, two.getToken().getFirstSeq());
    assertEquals(6, two.getToken().getSeq());
    assertEquals("ab", two.getToken().getText());
    assertNull(GrpcCodec.tokens(new Slice(6, List.of(), null)), "an end alone has no token event");

    StreamEvent done = GrpcCodec.end(new Terminal(FinishReason.STOP, 6, null, null));
    assertEquals("stop", done.getDone().getFinishReason());
    assertEquals(6, done.getDone().getTokens());
    StreamEvent failed = GrpcCodec.end(new Terminal(FinishReason.ERROR, 3, "model_error", "boom"));
    assertEquals("model_error", failed.getError().getCode());
    assertEquals("boom", failed.getError().getMessage());
    assertEquals(3, failed.getError().getTokens());
  }

  @ParameterizedTest
  @CsvSource({
    "400, INVALID_ARGUMENT",
    "401, UNAUTHENTICATED",
    "403, PERMISSION_DENIED",
    "404, NOT_FOUND",
    "405, INVALID_ARGUMENT",
    "413, INVALID_ARGUMENT",
    "429, RESOURCE_EXHAUSTED",
    "500, INTERNAL",
    "502, INTERNAL",
    "503, UNAVAILABLE"
  })
  void everyProblemHasAStatusAndNoneIsUnknown(int http, Status.Code code) {
    Status status = GrpcCodec.status(Problem.of(http, "some_code", "What went wrong."));
    assertEquals(code, status.getCode());
    assertEquals("What went wrong.", status.getDescription());
  }

  @Test
  void trailersCarryTheCodeAndWhenToRetry() {
    Metadata trailers = GrpcCodec.trailers(Problem.of(429, "rate_limited", "Wait."), 7);
    assertEquals("rate_limited", trailers.get(GrpcCodec.CODE));
    assertEquals("7", trailers.get(GrpcCodec.RETRY_AFTER));
    assertEquals("7000", trailers.get(GrpcCodec.RETRY_PUSHBACK));
    Metadata now = GrpcCodec.trailers(Problem.of(404, "not_found", "No."), 0);
    assertNull(now.get(GrpcCodec.RETRY_AFTER));
  }
}
