package dev.streamgate.transport.grpc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamgate.generation.GenerationRequest;
import dev.streamgate.generation.GenerationRequests;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.transport.grpc.v1.Done;
import dev.streamgate.transport.grpc.v1.Error;
import dev.streamgate.transport.grpc.v1.GenerateRequest;
import dev.streamgate.transport.grpc.v1.Simulation;
import dev.streamgate.transport.grpc.v1.Started;
import dev.streamgate.transport.grpc.v1.StreamEvent;
import dev.streamgate.transport.grpc.v1.Token;
import dev.streamgate.web.Problem;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * The gRPC wire format of a generation ({@code streamgate.v1}), and of a refusal. A request is read
 * by the same {@link GenerationRequests} as every JSON body, field for field, so its rules and its
 * error messages are the same on every transport.
 */
final class GrpcCodec {

  /** The trailer with the problem's code: {@code invalid_cursor}, {@code not_found}, ... */
  static final Metadata.Key<String> CODE =
      Metadata.Key.of("streamgate-code", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * Seconds to wait before trying again. Not {@code retry-after}: Tomcat drops that name from
   * trailers (RFC 9110 keeps response-control fields out of them).
   */
  static final Metadata.Key<String> RETRY_AFTER =
      Metadata.Key.of("streamgate-retry-after", Metadata.ASCII_STRING_MARSHALLER);

  /** The same in gRPC's own form, which its clients' retry policies follow. */
  static final Metadata.Key<String> RETRY_PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  static final Metadata.Key<String> TRACESTATE =
      Metadata.Key.of("tracestate", Metadata.ASCII_STRING_MARSHALLER);

  /** The response header with a new generation's id, as {@code X-StreamGate-Generation}. */
  static final Metadata.Key<String> GENERATION =
      Metadata.Key.of("streamgate-generation", Metadata.ASCII_STRING_MARSHALLER);

  private GrpcCodec() {}

  static GenerationRequest request(GenerateRequest request) {
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode body = json.objectNode();
    if (!request.getModel().isEmpty()) {
      body.put("model", request.getModel());
    }
    var messages = body.putArray("messages");
    request
        .getMessagesList()
        .forEach(m -> messages.addObject().put("role", m.getRole()).put("content", m.getContent()));
    if (request.getMessagesCount() == 0) {
      body.remove("messages"); // "messages is required", as a JSON body without them is told
    }
    if (request.hasMaxTokens()) {
      body.put("max_tokens", request.getMaxTokens());
    }
    if (request.hasSimulation()) {
      Simulation s = request.getSimulation();
      ObjectNode simulation = body.putObject("simulation");
      if (s.hasTtftMs()) {
        simulation.put("ttft_ms", s.getTtftMs());
      }
      if (s.hasTokensPerSecond()) {
        simulation.put("tokens_per_second", s.getTokensPerSecond());
      }
      if (s.hasSeed()) {
        simulation.put("seed", s.getSeed());
      }
      if (s.hasLength()) {
        simulation.put("length", s.getLength());
      }
      if (s.hasFailAfter()) {
        simulation.put("fail_after", s.getFailAfter());
      }
      if (s.hasTopicMax()) {
        simulation.put("topic_max", s.getTopicMax());
      }
    }
    if (!request.getOnDisconnect().isEmpty()) {
      body.put("on_disconnect", request.getOnDisconnect());
    }
    return GenerationRequests.fromJson(body);
  }

  static StreamEvent started(String id, String model) {
    return StreamEvent.newBuilder()
        .setStarted(Started.newBuilder().setId(id).setModel(model))
        .build();
  }

  /** The slice's tokens as one event; null if it has none (only the end). */
  static StreamEvent tokens(Slice slice) {
    if (slice.texts().isEmpty()) {
      return null;
    }
    return StreamEvent.newBuilder()
        .setToken(
            Token.newBuilder()
                .setSeq(slice.lastSeq())
                .setFirstSeq(slice.firstSeq())
                .setText(slice.text()))
        .build();
  }

  static StreamEvent end(Terminal end) {
    if (end.isError()) {
      return StreamEvent.newBuilder()
          .setError(
              Error.newBuilder()
                  .setCode(end.errorCode())
                  .setMessage(end.errorMessage())
                  .setTokens(end.tokens()))
          .build();
    }
    Done.Builder done =
        Done.newBuilder().setFinishReason(end.reason().wire()).setTokens(end.tokens());
    if (end.cancelledBy() != null) {
      done.setCancelledBy(end.cancelledBy());
    }
    return StreamEvent.newBuilder().setDone(done).build();
  }

  /** The gRPC status for an HTTP problem: never UNKNOWN. */
  static Status status(Problem problem) {
    Status.Code code =
        switch (problem.status()) {
          case 400, 413, 415 -> Status.Code.INVALID_ARGUMENT;
          case 401 -> Status.Code.UNAUTHENTICATED;
          case 403 -> Status.Code.PERMISSION_DENIED;
          case 404 -> Status.Code.NOT_FOUND;
          case 409 -> Status.Code.FAILED_PRECONDITION;
          case 429 -> Status.Code.RESOURCE_EXHAUSTED;
          case 503 -> Status.Code.UNAVAILABLE;
          default -> problem.status() >= 500 ? Status.Code.INTERNAL : Status.Code.INVALID_ARGUMENT;
        };
    return Status.fromCode(code).withDescription(problem.detail());
  }

  /** The trailers of a refusal: its code, and how long to wait when waiting helps. */
  static Metadata trailers(Problem problem, long retryAfterSeconds) {
    Metadata trailers = new Metadata();
    trailers.put(CODE, problem.code());
    if (retryAfterSeconds > 0) {
      trailers.put(RETRY_AFTER, Long.toString(retryAfterSeconds));
      trailers.put(RETRY_PUSHBACK, Long.toString(retryAfterSeconds * 1000));
    }
    return trailers;
  }
}
