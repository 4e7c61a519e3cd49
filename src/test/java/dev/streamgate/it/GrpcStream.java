package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamgate.transport.grpc.v1.GenerateRequest;
import dev.streamgate.transport.grpc.v1.Message;
import dev.streamgate.transport.grpc.v1.Simulation;
import dev.streamgate.transport.grpc.v1.StreamEvent;
import dev.streamgate.transport.grpc.v1.StreamGateGrpc;
import dev.streamgate.transport.grpc.v1.SubscribeRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One server-streaming call of {@code streamgate.v1.StreamGate} on grpc-java's generated async
 * stub: records every event, reassembles the tokens into a {@link Transcript} (so gaps and repeats
 * fail), and keeps the call's end status, headers and trailers.
 */
final class GrpcStream<Q> implements ClientResponseObserver<Q, StreamEvent> {

  static final Metadata.Key<String> CODE =
      Metadata.Key.of("streamgate-code", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> RETRY_AFTER =
      Metadata.Key.of("streamgate-retry-after", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> RETRY_PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> GENERATION =
      Metadata.Key.of("streamgate-generation", Metadata.ASCII_STRING_MARSHALLER);

  private final List<StreamEvent> events = new CopyOnWriteArrayList<>();
  private final Transcript transcript;
  private final CompletableFuture<Status> end = new CompletableFuture<>();
  private final CompletableFuture<String> started = new CompletableFuture<>();
  private final CompletableFuture<Boolean> streaming = new CompletableFuture<>();
  private final AtomicReference<Metadata> headers = new AtomicReference<>();
  private final AtomicReference<Metadata> trailers = new AtomicReference<>();
  private volatile ClientCallStreamObserver<Q> call;
  private final boolean stalled;

  private GrpcStream(long after) {
    this(after, false);
  }

  private GrpcStream(long after, boolean stalled) {
    transcript = new Transcript(after);
    this.stalled = stalled;
  }

  /**
   * Starts {@code Generate} and takes only its first event: gRPC's flow control then stops reading
   * for it, so the gateway's writes to the call stall until {@link #readOn()}.
   */
  static GrpcStream<GenerateRequest> generateAndStopReading(
      StreamGateGrpc.StreamGateStub stub, GenerateRequest request) {
    GrpcStream<GenerateRequest> stream = new GrpcStream<>(0, true);
    stream.capturing(stub).generate(request, stream);
    return stream;
  }

  /** Starts {@code Generate} on {@code stub}. */
  static GrpcStream<GenerateRequest> generate(
      StreamGateGrpc.StreamGateStub stub, GenerateRequest request) {
    GrpcStream<GenerateRequest> stream = new GrpcStream<>(0);
    stream.capturing(stub).generate(request, stream);
    return stream;
  }

  /** Starts {@code Subscribe} on {@code stub}, from after {@code after}. */
  static GrpcStream<SubscribeRequest> subscribe(
      StreamGateGrpc.StreamGateStub stub, String id, long after) {
    GrpcStream<SubscribeRequest> stream = new GrpcStream<>(after);
    stream
        .capturing(stub)
        .subscribe(SubscribeRequest.newBuilder().setId(id).setAfter(after).build(), stream);
    return stream;
  }

  private StreamGateGrpc.StreamGateStub capturing(StreamGateGrpc.StreamGateStub stub) {
    return stub.withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
  }

  /** The same request as {@code spec}'s JSON body, field for field. */
  static GenerateRequest request(Gateway.Spec spec) {
    JsonNode json = spec.json();
    GenerateRequest.Builder request = GenerateRequest.newBuilder();
    if (json.has("model")) {
      request.setModel(json.get("model").asText());
    }
    json.path("messages")
        .forEach(
            m ->
                request.addMessages(
                    Message.newBuilder()
                        .setRole(m.get("role").asText())
                        .setContent(m.get("content").asText())));
    if (json.has("max_tokens")) {
      request.setMaxTokens(json.get("max_tokens").asInt());
    }
    JsonNode s = json.path("simulation");
    if (s.isObject()) {
      Simulation.Builder simulation = Simulation.newBuilder();
      if (s.has("ttft_ms")) {
        simulation.setTtftMs(s.get("ttft_ms").asLong());
      }
      if (s.has("tokens_per_second")) {
        simulation.setTokensPerSecond(s.get("tokens_per_second").asDouble());
      }
      if (s.has("seed")) {
        simulation.setSeed(s.get("seed").asLong());
      }
      if (s.has("length")) {
        simulation.setLength(s.get("length").asInt());
      }
      if (s.has("fail_after")) {
        simulation.setFailAfter(s.get("fail_after").asInt());
      }
      if (s.has("topic_max")) {
        simulation.setTopicMax(s.get("topic_max").asInt());
      }
      request.setSimulation(simulation);
    }
    return request.build();
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<Q> call) {
    this.call = call;
    if (stalled) {
      call.disableAutoRequestWithInitial(1);
    }
  }

  /** A stalled client reads again: everything that waited, then the call's end. */
  void readOn() {
    call.request(Integer.MAX_VALUE);
  }

  @Override
  public void onNext(StreamEvent event) {
    events.add(event);
    streaming.complete(true);
    switch (event.getEventCase()) {
      case STARTED -> started.complete(event.getStarted().getId());
      case TOKEN ->
          transcript.append(
              event.getToken().getFirstSeq(),
              event.getToken().getSeq(),
              event.getToken().getText());
      default -> {}
    }
  }

  @Override
  public void onError(Throwable failure) {
    started.completeExceptionally(failure);
    streaming.complete(false);
    end.complete(Status.fromThrowable(failure));
  }

  @Override
  public void onCompleted() {
    started.completeExceptionally(new AssertionError("the call ended without a Started event"));
    streaming.complete(false);
    end.complete(Status.OK);
  }

  /** The id from the Started event (Generate's first). */
  String id() {
    return Gateway.await(started);
  }

  Transcript transcript() {
    return transcript;
  }

  List<StreamEvent> events() {
    return events;
  }

  /** Waits for its first event (true) or its end without one (false): was the call taken? */
  boolean awaitStreaming() {
    return Gateway.await(streaming);
  }

  /** Waits for the call's end and returns its status. */
  Status awaitEnd() {
    return Gateway.await(end);
  }

  /** The last event, which must be the end of a call that ended OK. */
  StreamEvent awaitLast() {
    Status status = awaitEnd();
    assertEquals(Status.Code.OK, status.getCode(), "the call ended " + status);
    return events.get(events.size() - 1);
  }

  /** Waits until the client has received tokens up to at least {@code seq}. */
  GrpcStream<Q> awaitCursor(long seq) {
    Gateway.await("tokens up to " + seq + " over gRPC", () -> transcript.cursor() >= seq);
    return this;
  }

  /** The client leaves: cancels the call, as a dropped connection would end it. */
  void cancel() {
    call.cancel("the client leaves", null);
  }

  Metadata headers() {
    return headers.get();
  }

  Metadata trailers() {
    return trailers.get();
  }
}
