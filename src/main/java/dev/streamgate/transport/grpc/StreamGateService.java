package dev.streamgate.transport.grpc;

import dev.streamgate.api.GenerationStatus;
import dev.streamgate.security.Caller;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.Streams;
import dev.streamgate.transport.grpc.v1.CancelRequest;
import dev.streamgate.transport.grpc.v1.GenerateRequest;
import dev.streamgate.transport.grpc.v1.GenerationState;
import dev.streamgate.transport.grpc.v1.StreamEvent;
import dev.streamgate.transport.grpc.v1.StreamGateGrpc;
import dev.streamgate.transport.grpc.v1.SubscribeRequest;
import dev.streamgate.web.Cursors;
import dev.streamgate.web.Problem;
import dev.streamgate.web.ProblemException;
import dev.streamgate.web.Problems;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;

/**
 * {@code streamgate.v1.StreamGate}: the same generations, limits and resume rules as every other
 * transport. A streaming call holds a connection slot ({@code STREAMGATE_MAX_CONNECTIONS} and the
 * key's share) until it ends; starting a generation is admitted like a POST. Every write goes
 * through a {@link GrpcSink} on the follower's threads for writes that may block: gRPC runs on
 * HTTP/2, where Tomcat writes each frame with a blocking socket write.
 */
final class StreamGateService extends StreamGateGrpc.StreamGateImplBase {

  /** How long a cancel on a mirror waits for the producer's node to end the generation. */
  private static final Duration CANCEL_WAIT = Duration.ofSeconds(3);

  private static final String TRANSPORT = "grpc";

  private final Streams streams;

  StreamGateService(Streams streams) {
    this.streams = streams;
  }

  @Override
  public void generate(GenerateRequest request, StreamObserver<StreamEvent> events) {
    var call = (ServerCallStreamObserver<StreamEvent>) events;
    try {
      var generation = GrpcCodec.request(request).inTrace(CallContext.TRACE.get());
      Streams.Held held = streams.startHeld(CallContext.CALLER.get(), generation);
      TokenStream stream = held.stream();
      CallContext.generation(stream.id());
      GrpcSink sink = new GrpcSink(call, held.slot()); // gives the slot back when the call ends
      sink.send(GrpcCodec.started(stream.id(), stream.model()));
      sink.attach(streams.follow(stream, 0, sink, TRANSPORT, true));
    } catch (RuntimeException e) {
      refuse(call, e);
    }
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<StreamEvent> events) {
    var call = (ServerCallStreamObserver<StreamEvent>) events;
    try {
      Caller caller = CallContext.CALLER.get();
      TokenStream stream = find(caller, request.getId());
      long after = Cursors.parse(Long.toString(request.getAfter()), "after", stream);
      GrpcSink sink = new GrpcSink(call, streams.slot(caller));
      sink.attach(streams.follow(stream, after, sink, TRANSPORT, true));
    } catch (RuntimeException e) {
      refuse(call, e);
    }
  }

  @Override
  public void cancel(CancelRequest request, StreamObserver<GenerationState> answer) {
    try {
      TokenStream stream = find(CallContext.CALLER.get(), request.getId());
      stream.cancel();
      if (stream.isMirror()) {
        stream.awaitEnd(CANCEL_WAIT); // the producer's node ends it; its end comes through the log
      }
      GenerationStatus status = GenerationStatus.of(stream);
      answer.onNext(
          GenerationState.newBuilder()
              .setId(status.id())
              .setState(status.state())
              .setTokens(status.tokens())
              .build());
      answer.onCompleted();
    } catch (RuntimeException e) {
      refuse(answer, e);
    }
  }

  private TokenStream find(Caller caller, String id) {
    if (id.isEmpty()) {
      throw new ProblemException(
          Problem.of(400, "invalid_request", "id is required: the generation to read.", "id"));
    }
    return streams.find(caller, id);
  }

  /** Ends the call with the status for {@code failure}, its code and retry-after as trailers. */
  private static void refuse(StreamObserver<?> call, RuntimeException failure) {
    Problem problem = Problems.of(failure);
    call.onError(
        GrpcCodec.status(problem)
            .asRuntimeException(GrpcCodec.trailers(problem, Problems.retryAfter(failure))));
  }
}
