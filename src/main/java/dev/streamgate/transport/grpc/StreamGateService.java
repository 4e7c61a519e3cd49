package dev.streamgate.transport.grpc;

import dev.streamgate.api.Cursors;
import dev.streamgate.api.GenerationStatus;
import dev.streamgate.api.Problem;
import dev.streamgate.api.ProblemException;
import dev.streamgate.api.Problems;
import dev.streamgate.generation.GenerationService;
import dev.streamgate.security.Caller;
import dev.streamgate.security.Limits;
import dev.streamgate.stream.Delivery;
import dev.streamgate.stream.Followers;
import dev.streamgate.stream.StreamNotFoundException;
import dev.streamgate.stream.StreamRegistry;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.grpc.v1.CancelRequest;
import dev.streamgate.transport.grpc.v1.GenerateRequest;
import dev.streamgate.transport.grpc.v1.GenerationState;
import dev.streamgate.transport.grpc.v1.StreamEvent;
import dev.streamgate.transport.grpc.v1.StreamGateGrpc;
import dev.streamgate.transport.grpc.v1.SubscribeRequest;
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

  private final GenerationService generations;
  private final StreamRegistry registry;
  private final Followers followers;
  private final Limits limits;
  private final Delivery delivery;

  StreamGateService(
      GenerationService generations,
      StreamRegistry registry,
      Followers followers,
      Limits limits,
      Delivery delivery) {
    this.generations = generations;
    this.registry = registry;
    this.followers = followers;
    this.limits = limits;
    this.delivery = delivery;
  }

  @Override
  public void generate(GenerateRequest request, StreamObserver<StreamEvent> events) {
    var call = (ServerCallStreamObserver<StreamEvent>) events;
    Runnable release = null;
    try {
      Caller caller = CallContext.CALLER.get();
      var generation = GrpcCodec.request(request).inTrace(CallContext.TRACE.get());
      release = limits.connect(caller); // the slot first: a call refused starts nothing
      TokenStream stream = generations.start(generation, limits.admit(caller));
      CallContext.generation(stream.id());
      GrpcSink sink = new GrpcSink(call, release);
      release = null; // the sink gives it back
      sink.send(GrpcCodec.started(stream.id(), stream.model()));
      sink.attach(followers.follow(stream, 0, sink, delivery, true));
    } catch (RuntimeException e) {
      if (release != null) {
        release.run();
      }
      refuse(call, e);
    }
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<StreamEvent> events) {
    var call = (ServerCallStreamObserver<StreamEvent>) events;
    try {
      Caller caller = CallContext.CALLER.get();
      TokenStream stream = visible(caller, request.getId());
      long after = Cursors.parse(Long.toString(request.getAfter()), "after", stream);
      GrpcSink sink = new GrpcSink(call, limits.connect(caller));
      sink.attach(followers.follow(stream, after, sink, delivery, true));
    } catch (RuntimeException e) {
      refuse(call, e);
    }
  }

  @Override
  public void cancel(CancelRequest request, StreamObserver<GenerationState> answer) {
    try {
      TokenStream stream = visible(CallContext.CALLER.get(), request.getId());
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

  private TokenStream visible(Caller caller, String id) {
    if (id.isEmpty()) {
      throw new ProblemException(
          Problem.of(400, "invalid_request", "id is required: the generation to read.", "id"));
    }
    if (!caller.mayUse(id)) {
      throw new StreamNotFoundException(id);
    }
    return registry.find(id, caller.name());
  }

  /** Ends the call with the status for {@code failure}, its code and retry-after as trailers. */
  private static void refuse(StreamObserver<?> call, RuntimeException failure) {
    Problem problem = Problems.of(failure);
    call.onError(
        GrpcCodec.status(problem)
            .asRuntimeException(GrpcCodec.trailers(problem, Problems.retryAfter(failure))));
  }
}
