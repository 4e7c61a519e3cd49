package dev.streamgate.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A client of {@code /ws} on the JDK's {@link WebSocket}: records every frame, reassembles each
 * generation's {@code token} frames into a {@link Transcript}, and sends one frame at a time (the
 * JDK allows a single outstanding send).
 */
final class WsClient implements WebSocket.Listener {

  private final AtomicInteger pings = new AtomicInteger();
  private final List<JsonNode> frames = new CopyOnWriteArrayList<>();
  private final Map<String, Transcript> transcripts = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<JsonNode>> ends = new ConcurrentHashMap<>();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder(); // a text message split in parts
  private final AtomicInteger refs = new AtomicInteger();
  private volatile WebSocket socket;
  private volatile boolean dropped; // frames already on their way are not "received" any more
  private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);

  /**
   * Handshakes on connections of their own, as browsers make them. On the shared client the JDK
   * sent a handshake on a kept-alive connection; when that was the connection's 100th request, the
   * test container's Tomcat (its default maxKeepAliveRequests) answered {@code Connection: upgrade,
   * close}, and the JDK, which wants exactly {@code Upgrade}, refused its own 101.
   */
  private static final HttpClient HANDSHAKES = Gateway.http11();

  private WsClient() {}

  static CompletableFuture<WsClient> connectAsync(Gateway gateway) {
    return connectAsync(gateway, "ws");
  }

  /**
   * Opens {@code path} (e.g. {@code ws?ticket=…}) with extra handshake headers, name then value.
   */
  static CompletableFuture<WsClient> connectAsync(Gateway gateway, String path, String... headers) {
    WsClient client = new WsClient();
    var builder = HANDSHAKES.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return builder.buildAsync(gateway.wsUri(path), client).thenApply(socket -> client);
  }

  /** Connects to {@code /ws}; a refused handshake fails with the status and body it got. */
  static WsClient connect(Gateway gateway) {
    return Gateway.await(
        connectAsync(gateway)
            .exceptionallyCompose(
                failure -> {
                  Throwable cause =
                      failure instanceof CompletionException ? failure.getCause() : failure;
                  if (cause instanceof WebSocketHandshakeException refused) {
                    var response = refused.getResponse();
                    return CompletableFuture.failedFuture(
                        new AssertionError(
                            "handshake refused with "
                                + response.statusCode()
                                + " "
                                + response.headers().map()
                                + ": "
                                + response.body(),
                            refused));
                  }
                  return CompletableFuture.failedFuture(cause);
                }));
  }

  // ---- the protocol -------------------------------------------------------------------------

  /** Sends {@code generate} and returns the id from the matching {@code started} frame. */
  String generate(Gateway.Spec spec) {
    String ref = "r" + refs.incrementAndGet();
    ObjectNode message = Gateway.JSON.createObjectNode().put("type", "generate").put("ref", ref);
    message.set("request", spec.json());
    send(message.toString());
    JsonNode started =
        awaitFrame(f -> "started".equals(type(f)) && ref.equals(f.path("ref").asText()));
    return started.get("id").asText();
  }

  /** Subscribes to {@code id} from {@code after}, reassembling into a fresh transcript. */
  CompletableFuture<Void> subscribeAsync(String id, long after) {
    transcripts.put(id, new Transcript(after));
    return sendAsync(
        Gateway.JSON
            .createObjectNode()
            .put("type", "subscribe")
            .put("id", id)
            .put("after", after)
            .toString());
  }

  void subscribe(String id, long after) {
    Gateway.await(subscribeAsync(id, after));
  }

  void cancel(String id) {
    send(Gateway.JSON.createObjectNode().put("type", "cancel").put("id", id).toString());
  }

  // ---- sending ------------------------------------------------------------------------------

  synchronized CompletableFuture<Void> sendAsync(String text) {
    CompletableFuture<?> next =
        sending
            .handle((ignored, failure) -> null)
            .thenCompose(ignored -> socket.sendText(text, true));
    sending = next;
    return next.thenApply(ignored -> null);
  }

  void send(String text) {
    Gateway.await(sendAsync(text));
  }

  synchronized void sendBinary(byte[] bytes) {
    CompletableFuture<?> next =
        sending
            .handle((ignored, failure) -> null)
            .thenCompose(ignored -> socket.sendBinary(ByteBuffer.wrap(bytes), true));
    sending = next;
    Gateway.await(next);
  }

  /** Cuts the connection without a close handshake, like a client that lost its network. */
  void drop() {
    dropped = true;
    socket.abort();
  }

  void close() {
    if (!socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }
  }

  // ---- what the test asks -------------------------------------------------------------------

  Transcript transcript(String id) {
    return transcripts.computeIfAbsent(id, ignored -> new Transcript(0));
  }

  /** The {@code done} or {@code error} frame for {@code id}. */
  JsonNode awaitEnd(String id) {
    return Gateway.await(end(id));
  }

  CompletableFuture<JsonNode> end(String id) {
    return ends.computeIfAbsent(id, ignored -> new CompletableFuture<>());
  }

  /** The first frame received so far or later that matches. */
  JsonNode awaitFrame(Predicate<JsonNode> match) {
    JsonNode[] found = new JsonNode[1];
    Gateway.await(
        "a WebSocket frame matching in " + frames,
        () -> {
          found[0] = frames.stream().filter(match).findFirst().orElse(null);
          if (found[0] == null && closed.isDone()) {
            throw new AssertionError(
                "socket closed ("
                    + closed.handle((code, e) -> code != null ? code : e).join()
                    + ") without a matching frame in "
                    + frames);
          }
          return found[0] != null;
        });
    return found[0];
  }

  /** The status code of the server's close frame. */
  int awaitClose() {
    return Gateway.await(closed);
  }

  List<JsonNode> frames() {
    return frames;
  }

  static String type(JsonNode frame) {
    return frame.path("type").asText();
  }

  // ---- WebSocket.Listener -------------------------------------------------------------------

  @Override
  public void onOpen(WebSocket webSocket) {
    socket = webSocket;
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      JsonNode frame = Gateway.json(partial.toString());
      partial.setLength(0);
      receive(frame);
    }
    webSocket.request(1);
    return null;
  }

  private void receive(JsonNode frame) {
    if (dropped) {
      return;
    }
    frames.add(frame);
    String id = frame.path("id").isTextual() ? frame.get("id").asText() : null;
    switch (type(frame)) {
      case "token" -> {
        long seq = frame.get("seq").asLong();
        transcript(id).append(frame.path("first_seq").asLong(seq), seq, frame.get("text").asText());
      }
      case "done", "error" -> {
        if (id != null) {
          end(id).complete(frame);
        }
      }
      default -> {} // started: read through awaitFrame
    }
  }

  /** WebSocket pings the server sent (the JDK client answers each with a pong by itself). */
  int pings() {
    return pings.get();
  }

  @Override
  public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
    pings.incrementAndGet();
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(statusCode);
    ends.values()
        .forEach(
            end ->
                end.completeExceptionally(
                    new AssertionError("socket closed " + statusCode + " " + reason)));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.completeExceptionally(error);
    ends.values().forEach(end -> end.completeExceptionally(error));
  }
}
