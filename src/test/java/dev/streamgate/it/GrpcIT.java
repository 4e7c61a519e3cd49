package dev.streamgate.it;

import static dev.streamgate.it.Gateway.simulated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamgate.transport.grpc.v1.CancelRequest;
import dev.streamgate.transport.grpc.v1.GenerateRequest;
import dev.streamgate.transport.grpc.v1.GenerationState;
import dev.streamgate.transport.grpc.v1.StreamEvent;
import dev.streamgate.transport.grpc.v1.StreamGateGrpc;
import dev.streamgate.transport.grpc.v1.SubscribeRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * gRPC server streaming ({@code streamgate.v1.StreamGate}) from grpc-java's generated stubs over
 * h2c: Generate, Subscribe resume, resume across transports both ways, Cancel, a deadline, the
 * disconnect policy, API keys, limits and bad input, each with the exact status, code and text. On
 * the launcher with STREAMGATE_HTTP2 and on a standalone Tomcat with {@code Http2Protocol} on its
 * connector (the README's server.xml line). Not on Payara, where gRPC is not supported (pom.xml,
 * the payara run's excludes).
 */
@Tag("own-server")
class GrpcIT {

  private static final Map<String, String> SETTINGS =
      Map.of(
          "streamgate.http2", "true",
          "streamgate.api-keys",
              String.join(
                  ",", SecurityIT.key("alice"), SecurityIT.key("bob"), SecurityIT.key("carol")),
          "streamgate.key-max-connections", "2",
          // a stalled call is dropped this long after its last write began
          "streamgate.stuck-timeout", "3s",
          "streamgate.max-generation-bytes", "16m");

  private static OwnGateway server;
  private static Gateway gateway;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    server = OwnGateway.start(SETTINGS);
    gateway = server.gateway();
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port())
            .usePlaintext() // h2c with prior knowledge
            .intercept(new UnderContextPath(server.contextPath()))
            .build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    server.stop();
  }

  /** A stub that sends {@code name}'s key in the call's metadata. */
  private static StreamGateGrpc.StreamGateStub as(String name) {
    return StreamGateGrpc.newStub(channel).withInterceptors(key(name));
  }

  private static StreamGateGrpc.StreamGateBlockingStub blockingAs(String name) {
    return StreamGateGrpc.newBlockingStub(channel).withInterceptors(key(name));
  }

  private static ClientInterceptor key(String name) {
    Metadata key = new Metadata();
    key.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        SecurityIT.bearer(name));
    return MetadataUtils.newAttachHeadersInterceptor(key);
  }

  private static JsonNode statusOf(String id) {
    return gateway.awaitEnded(id, SecurityIT.bearer("alice"));
  }

  private static String created(Gateway.Spec spec) {
    return created(spec, "alice");
  }

  private static String created(Gateway.Spec spec, String name) {
    HttpResponse<String> created =
        gateway.post("api/generations", spec.toString(), "Authorization", SecurityIT.bearer(name));
    assertEquals(201, created.statusCode(), created.body());
    return Gateway.json(created.body()).get("id").asText();
  }

  @Test
  void generateStreamsTheWholeGenerationAsTheStatusText() {
    var call =
        GrpcStream.generate(
            as("alice"), GrpcStream.request(Gateway.richText().length(120).maxTokens(120)));
    String id = call.id();
    StreamEvent last = call.awaitLast();

    JsonNode status = statusOf(id);
    assertEquals(Gateway.assertRich(status.get("text").asText()), call.transcript().text());
    assertEquals(StreamEvent.EventCase.DONE, last.getEventCase(), last.toString());
    assertEquals("stop", last.getDone().getFinishReason());
    assertEquals(120, last.getDone().getTokens());
    assertEquals(120, call.transcript().cursor());
    StreamEvent first = call.events().get(0);
    assertEquals(id, first.getStarted().getId());
    assertEquals("simulated", first.getStarted().getModel());
    assertEquals(id, call.headers().get(GrpcStream.GENERATION), "the response header names it");
  }

  @Test
  void aCallThatLeavesResumesWithSubscribeExactly() {
    var first =
        GrpcStream.generate(
            as("alice"),
            GrpcStream.request(simulated("leave and come back").length(80).tokensPerSecond(40)));
    String id = first.id();
    first.awaitCursor(5).cancel();
    assertEquals(Status.Code.CANCELLED, first.awaitEnd().getCode());
    Transcript.Received before = first.transcript().received();

    var rest = GrpcStream.subscribe(as("alice"), id, before.cursor());
    StreamEvent last = rest.awaitLast();
    assertEquals("stop", last.getDone().getFinishReason(), last.toString());
    assertEquals(statusOf(id).get("text").asText(), before.text() + rest.transcript().text());
  }

  @Test
  void startedOverGrpcAndFinishedOverSse() {
    var grpc =
        GrpcStream.generate(
            as("alice"),
            GrpcStream.request(simulated("grpc then sse").length(80).tokensPerSecond(40)));
    String id = grpc.id();
    grpc.awaitCursor(4).cancel();
    grpc.awaitEnd();
    Transcript.Received before = grpc.transcript().received();

    SseReader sse =
        SseReader.open(
            gateway,
            id,
            "after=" + before.cursor(),
            before.cursor(),
            "Authorization",
            SecurityIT.bearer("alice"));
    sse.assertDone("stop");
    assertEquals(statusOf(id).get("text").asText(), before.text() + sse.transcript().text());
  }

  @Test
  void startedOverSseAndFinishedOverGrpc() {
    String id = created(simulated("sse then grpc").length(80).tokensPerSecond(40));
    SseReader sse =
        SseReader.open(gateway, id, "", 0, "Authorization", SecurityIT.bearer("alice"))
            .awaitCursor(4);
    sse.drop();
    Transcript.Received before = sse.transcript().received();

    var grpc = GrpcStream.subscribe(as("alice"), id, before.cursor());
    StreamEvent last = grpc.awaitLast();
    assertEquals("stop", last.getDone().getFinishReason());
    assertEquals(statusOf(id).get("text").asText(), before.text() + grpc.transcript().text());
  }

  @Test
  void cancelEndsTheGenerationForEveryReader() {
    var call =
        GrpcStream.generate(
            as("alice"),
            GrpcStream.request(simulated("cancel me").length(2000).tokensPerSecond(20)));
    String id = call.id();
    call.awaitCursor(2);

    GenerationState state =
        blockingAs("alice").cancel(CancelRequest.newBuilder().setId(id).build());
    assertEquals(id, state.getId());
    assertEquals("cancelled", state.getState());

    StreamEvent last = call.awaitLast();
    assertEquals("cancelled", last.getDone().getFinishReason(), last.toString());
    assertEquals("client", last.getDone().getCancelledBy());
    assertEquals(state.getTokens(), last.getDone().getTokens());
    assertEquals(statusOf(id).get("text").asText(), call.transcript().text());
  }

  @Test
  void aDeadlineEndsTheCallAndTheGenerationRunsOnForAResume() {
    String id = created(simulated("deadline").length(60).tokensPerSecond(20)); // 3 s
    var call = GrpcStream.subscribe(as("alice").withDeadlineAfter(1, TimeUnit.SECONDS), id, 0);
    assertEquals(Status.Code.DEADLINE_EXCEEDED, call.awaitEnd().getCode());
    Transcript.Received before = call.transcript().received();

    var rest = GrpcStream.subscribe(as("alice"), id, before.cursor());
    assertEquals(
        "stop", rest.awaitLast().getDone().getFinishReason(), "it ran on: on_disconnect keep");
    assertEquals(statusOf(id).get("text").asText(), before.text() + rest.transcript().text());
  }

  @Test
  void onDisconnectCancelStopsTheGenerationOnceTheCallIsGone() {
    GenerateRequest request =
        GrpcStream.request(simulated("nobody reads").length(200).maxTokens(200).tokensPerSecond(40))
            .toBuilder()
            .setOnDisconnect("cancel")
            .build();
    var call = GrpcStream.generate(as("alice"), request);
    String id = call.id();
    call.awaitCursor(1).cancel();

    JsonNode end = statusOf(id); // after STREAMGATE_DISCONNECT_GRACE with no reader
    assertEquals("cancelled", end.get("state").asText(), end.toString());
    assertEquals("disconnect", end.get("cancelled_by").asText());
  }

  @Test
  void aFailedGenerationSendsItsErrorEventAndTheCallEndsOk() {
    var call = GrpcStream.generate(as("alice"), GrpcStream.request(simulated("fail").failAfter(5)));
    StreamEvent last = call.awaitLast();
    assertEquals(StreamEvent.EventCase.ERROR, last.getEventCase(), last.toString());
    assertEquals(5, last.getError().getTokens());
    JsonNode status = statusOf(call.id());
    assertEquals(status.get("error").get("code").asText(), last.getError().getCode());
    assertEquals(status.get("error").get("message").asText(), last.getError().getMessage());
    assertEquals(status.get("text").asText(), call.transcript().text());
  }

  /**
   * A client that stops reading (gRPC's flow control: it requests no more messages, so its window
   * is never given back) is dropped at the stuck timeout, holds up no other call meanwhile, and
   * resumes exactly. About 5 MB of text: more than the windows and socket buffers on the way hold.
   */
  @Test
  void aCallThatStopsReadingDelaysNobodyIsDroppedAndResumesExactly() {
    long drops = metric("stuck_drops");
    var stalled =
        GrpcStream.generateAndStopReading(
            as("bob"),
            GrpcStream.request(
                simulated("tell me about " + "a".repeat(16_000))
                    .length(8192)
                    .maxTokens(8192)
                    .topicMax(16_000)
                    .tokensPerSecond(10_000)));
    String id = stalled.id();

    var normal = GrpcStream.generate(as("alice"), GrpcStream.request(simulated("meanwhile")));
    assertEquals("stop", normal.awaitLast().getDone().getFinishReason());
    assertEquals(statusOf(normal.id()).get("text").asText(), normal.transcript().text());

    Gateway.await("the stalled call's stuck drop", () -> metric("stuck_drops") > drops);
    stalled.readOn();
    Status dropped = stalled.awaitEnd();
    assertEquals(Status.Code.UNAVAILABLE, dropped.getCode(), dropped.toString());
    Transcript.Received before = stalled.transcript().received();
    assertTrue(before.cursor() < 8192, "dropped before its end: " + before.cursor());

    String text = gateway.awaitEnded(id, SecurityIT.bearer("bob")).get("text").asText();
    var resumed = GrpcStream.subscribe(as("bob"), id, before.cursor());
    assertEquals("stop", resumed.awaitLast().getDone().getFinishReason());
    String rest = resumed.transcript().text();
    assertEquals(text.length(), before.text().length() + rest.length());
    assertEquals(text, before.text() + rest);
  }

  private static long metric(String name) {
    return Gateway.json(
            gateway.get("api/metrics", "Authorization", SecurityIT.bearer("alice")).body())
        .get(name)
        .asLong();
  }

  // ---- refusals: a precise status, the problem's code, and nothing lost ----------------------

  private static void assertRefused(
      GrpcStream<?> call, Status.Code code, String problem, String description) {
    Status status = call.awaitEnd();
    assertEquals(code, status.getCode(), status.toString());
    assertEquals(problem, call.trailers().get(GrpcStream.CODE), status.toString());
    if (description != null) {
      assertEquals(description, status.getDescription());
    }
    assertTrue(call.events().isEmpty(), "no event before a refusal: " + call.events());
  }

  @Test
  void withoutAKeyOrWithAWrongOneACallIsUnauthenticated() {
    GenerateRequest request = GrpcStream.request(simulated("who are you"));
    assertRefused(
        GrpcStream.generate(StreamGateGrpc.newStub(channel), request),
        Status.Code.UNAUTHENTICATED,
        "unauthorized",
        "This gateway needs an API key: 'Authorization: Bearer <key>'.");
    assertRefused(
        GrpcStream.generate(as("mallory"), request),
        Status.Code.UNAUTHENTICATED,
        "unauthorized",
        "That API key is not valid.");
  }

  @Test
  void anotherKeysGenerationIsNotFound() {
    String id = created(simulated("alice's").length(3));
    assertRefused(GrpcStream.subscribe(as("bob"), id, 0), Status.Code.NOT_FOUND, "not_found", null);
    assertRefused(
        GrpcStream.subscribe(as("alice"), "gen_nothing", 0),
        Status.Code.NOT_FOUND,
        "not_found",
        null);
    StatusRuntimeException cancel =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> blockingAs("bob").cancel(CancelRequest.newBuilder().setId(id).build()));
    assertEquals(Status.Code.NOT_FOUND, cancel.getStatus().getCode());
  }

  @Test
  void badInputIsInvalidArgumentWithTheSameWordsAsJson() {
    assertRefused(
        GrpcStream.generate(
            as("alice"), GenerateRequest.newBuilder().setModel("simulated").build()),
        Status.Code.INVALID_ARGUMENT,
        "invalid_request",
        "messages is required: a non-empty array of {role, content}.");
    GenerateRequest slow =
        GrpcStream.request(simulated("x")).toBuilder()
            .setSimulation(
                GrpcStream.request(simulated("x")).getSimulation().toBuilder()
                    .setTokensPerSecond(0))
            .build();
    assertRefused(
        GrpcStream.generate(as("alice"), slow),
        Status.Code.INVALID_ARGUMENT,
        "invalid_request",
        "simulation.tokens_per_second must be a number from 0.1 to 10000.");
    assertRefused(
        GrpcStream.generate(
            as("alice"),
            GrpcStream.request(simulated("x")).toBuilder().setOnDisconnect("later").build()),
        Status.Code.INVALID_ARGUMENT,
        "invalid_request",
        "on_disconnect must be \"cancel\" or \"keep\".");

    String id = created(simulated("three").length(3));
    statusOf(id);
    assertRefused(
        GrpcStream.subscribe(as("alice"), id, 4),
        Status.Code.INVALID_ARGUMENT,
        "invalid_cursor",
        "after=4 is past the last token of this generation (seq 3).");
    assertRefused(
        GrpcStream.subscribe(as("alice"), id, -1),
        Status.Code.INVALID_ARGUMENT,
        "invalid_cursor",
        null);
    assertRefused(
        GrpcStream.subscribe(as("alice"), "", 0),
        Status.Code.INVALID_ARGUMENT,
        "invalid_request",
        null);
    // and what was generated stays readable
    var all = GrpcStream.subscribe(as("alice"), id, 0);
    assertEquals("stop", all.awaitLast().getDone().getFinishReason());
    assertEquals(statusOf(id).get("text").asText(), all.transcript().text());
  }

  /**
   * A request message past STREAMGATE_MAX_BODY is refused from its length prefix, before it is
   * buffered, and nothing starts. grpc-servlet then cancels the stream without response headers,
   * and Tomcat turns that trailers-only answer into an empty DATA frame (grpc-java #10124), so the
   * client reads INTERNAL rather than RESOURCE_EXHAUSTED; the connection serves the next call.
   */
  @Test
  void aRequestPastTheBodyLimitIsRefusedAndTheConnectionServesTheNext() {
    String prompt = "x".repeat(1 << 20); // STREAMGATE_MAX_BODY is 1 MiB: the message is past it
    var call = GrpcStream.generate(as("alice"), GrpcStream.request(simulated(prompt)));
    Status status = call.awaitEnd();
    assertEquals(Status.Code.INTERNAL, status.getCode(), status.toString());
    assertEquals(
        "Received unexpected EOS on empty DATA frame from server", status.getDescription());
    assertTrue(call.events().isEmpty(), "no event: " + call.events());
    var next = GrpcStream.generate(as("alice"), GrpcStream.request(simulated("after").length(5)));
    assertEquals("stop", next.awaitLast().getDone().getFinishReason());
    assertEquals(statusOf(next.id()).get("text").asText(), next.transcript().text());
  }

  /**
   * A client that sends its request slowly, over raw HTTP/2 (its headers, then the message in
   * pieces with pauses between them), holds back nobody: a normal call meanwhile gets its exact
   * text, and the slow request, once whole, is answered with its exact generation. gRPC reads a
   * request with a servlet ReadListener, so no thread waits on it. One that sends a byte a frame is
   * cut off by Tomcat's HTTP/2 overhead protection (GOAWAY) before its request is whole.
   */
  @Test
  void aRequestThatArrivesSlowlyHoldsBackNobodyAndIsAnsweredExactly() throws Exception {
    byte[] message = GrpcStream.request(simulated("a slow request").length(20)).toByteArray();
    byte[] framed = new byte[5 + message.length]; // gRPC's prefix: not compressed, then the length
    framed[1] = (byte) (message.length >>> 24);
    framed[2] = (byte) (message.length >>> 16);
    framed[3] = (byte) (message.length >>> 8);
    framed[4] = (byte) message.length;
    System.arraycopy(message, 0, framed, 5, message.length);
    int half = framed.length / 2;

    try (Socket slow = rawGenerate("alice");
        Socket trickle = rawGenerate("carol")) {
      CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> readStream(slow));
      RawHttp2.data(slow, 1, Arrays.copyOfRange(framed, 0, half), false);

      var beside =
          GrpcStream.generate(
              as("bob"), GrpcStream.request(simulated("beside a slow request").length(30)));
      assertEquals("stop", beside.awaitLast().getDone().getFinishReason());
      assertEquals(
          gateway.awaitEnded(beside.id(), SecurityIT.bearer("bob")).get("text").asText(),
          beside.transcript().text());

      RawHttp2.data(slow, 1, Arrays.copyOfRange(framed, half, framed.length), true);
      List<StreamEvent> events = grpcMessages(Gateway.await(answer));
      assertTrue(events.size() > 2, events.toString());
      String id = events.get(0).getStarted().getId();
      Transcript transcript = new Transcript(0);
      for (StreamEvent event : events) {
        if (event.hasToken()) {
          var token = event.getToken();
          transcript.append(token.getFirstSeq(), token.getSeq(), token.getText());
        }
      }
      StreamEvent last = events.get(events.size() - 1);
      assertEquals("stop", last.getDone().getFinishReason(), last.toString());
      assertEquals(20, last.getDone().getTokens());
      assertEquals(statusOf(id).get("text").asText(), transcript.text());

      CompletableFuture<String> goAway =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return RawHttp2.awaitGoAway(trickle);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      try {
        for (int i = 0; i < framed.length - 1 && !goAway.isDone(); i++) {
          RawHttp2.data(trickle, 1, new byte[] {framed[i]}, false);
        }
      } catch (IOException closed) {
        // the server closed the connection while the client still sent
      }
      assertTrue(Gateway.await(goAway).contains("Too much overhead"), Gateway.await(goAway));
    }
  }

  /** A raw h2c connection with {@code Generate}'s headers sent as {@code key}; the body follows. */
  private static Socket rawGenerate(String key) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
    socket.setSoTimeout((int) Gateway.TIMEOUT.toMillis());
    RawHttp2.openWithUnlimitedWindows(socket);
    RawHttp2.post(
        socket,
        1,
        "127.0.0.1:" + server.port(),
        server.contextPath() + "streamgate.v1.StreamGate/Generate",
        "content-type",
        "application/grpc",
        "te",
        "trailers",
        "authorization",
        SecurityIT.bearer(key));
    return socket;
  }

  private static byte[] readStream(Socket socket) {
    try {
      return RawHttp2.readStream(socket, 1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The gRPC messages in a response's DATA: each a 5-byte prefix, then a StreamEvent. */
  private static List<StreamEvent> grpcMessages(byte[] data) throws IOException {
    List<StreamEvent> events = new ArrayList<>();
    var in = new DataInputStream(new ByteArrayInputStream(data));
    while (in.available() > 0) {
      assertEquals(0, in.readUnsignedByte(), "an uncompressed message");
      byte[] message = new byte[in.readInt()];
      in.readFully(message);
      events.add(StreamEvent.parseFrom(message));
    }
    return events;
  }

  @Test
  void aKeyPastItsConnectionsIsResourceExhaustedUntilOneEnds() {
    String id = created(simulated("held").length(2000).tokensPerSecond(20), "carol");
    List<GrpcStream<SubscribeRequest>> held = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) { // STREAMGATE_KEY_MAX_CONNECTIONS
        held.add(GrpcStream.subscribe(as("carol"), id, 0).awaitCursor(1));
      }
      var third = GrpcStream.subscribe(as("carol"), id, 0);
      assertRefused(
          third,
          Status.Code.RESOURCE_EXHAUSTED,
          "too_many_connections",
          "This key holds its maximum of 2 open streams.");
      assertEquals("1", third.trailers().get(GrpcStream.RETRY_AFTER), third.trailers().toString());
      assertEquals("1000", third.trailers().get(GrpcStream.RETRY_PUSHBACK));

      held.remove(0).cancel(); // its slot comes back once the gateway sees the call end
      Gateway.await(
          "a slot for carol again",
          () -> {
            var again = GrpcStream.subscribe(as("carol"), id, 0);
            if (again.awaitStreaming()) {
              held.add(again);
              return true;
            }
            assertRefused(again, Status.Code.RESOURCE_EXHAUSTED, "too_many_connections", null);
            return false;
          });
    } finally {
      held.forEach(GrpcStream::cancel);
      blockingAs("carol").cancel(CancelRequest.newBuilder().setId(id).build());
    }
  }

  @Test
  void aPostThatIsNotGrpcGetsAProblem() {
    HttpResponse<String> json = gateway.post("streamgate.v1.StreamGate/Generate", "{}");
    Gateway.assertProblem(json, 415, "unsupported_media_type");
    HttpResponse<String> get = gateway.get("streamgate.v1.StreamGate/Generate");
    Gateway.assertProblem(get, 405, "method_not_allowed");
  }

  /**
   * Calls a WAR deployed at a context path: gRPC's path is {@code /<service>/<method>}, so a client
   * of {@code /streamgate/} names the method under it. Deployed at the root, nothing is added.
   */
  private record UnderContextPath(String contextPath) implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      String prefix = contextPath.substring(1); // "" or "streamgate/"
      return next.newCall(
          prefix.isEmpty()
              ? method
              : method.toBuilder().setFullMethodName(prefix + method.getFullMethodName()).build(),
          options);
    }
  }
}
