package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Clients that stop reading (raw sockets with a 1 KB receive buffer, on every transport, each on a
 * long, fast generation of large tokens) must not delay anyone else; once the gateway drops them
 * they resume from what they had and get the exact text.
 */
class StalledClientsIT extends DeployedGateway {

  /** Per transport: more stalled clients in all than the gateway has worker threads. */
  private static final int STALLED_PER_TRANSPORT = 3;

  /** Far above a normal first token (~20 ms), far below the stuck timeout the suite runs with. */
  private static final Duration FIRST_TOKEN_BOUND = Duration.ofSeconds(5);

  /** How long a dropped connection is silent before what it delivered counts as all of it. */
  private static final Duration DRAINED_AFTER = Duration.ofSeconds(2);

  /**
   * The simulated model repeats the prompt's longest word (here allowed its whole 16 000
   * characters, {@code simulation.topic_max}): about 5 MB of text in 8192 tokens, more than the
   * kernel's socket buffers hold (4 MB at most here), so a client that never reads really stalls
   * the gateway's writes. The suite's gateways allow a generation 16 MiB for it.
   */
  private static final String HUGE_PROMPT = "tell me about " + "a".repeat(16_000);

  private enum Transport {
    SSE,
    OPENAI,
    WEBSOCKET,
    POLL
  }

  private record Stalled(Transport transport, String id, Socket socket) {}

  @Test
  void clientsThatStopReadingDelayNobodyAndResumeExactly() throws Exception {
    long dropsBefore = metric("stuck_drops");
    long openBefore = metric("open_streams");
    long liveBefore = metric("live_streams");
    List<Stalled> stalled = new ArrayList<>();
    try {
      for (Transport transport : Transport.values()) {
        for (int i = 0; i < STALLED_PER_TRANSPORT; i++) {
          stalled.add(stall(transport, i));
        }
      }
      // Once the huge generations have ended, what is left of each waits on its stalled client.
      Gateway.await("the huge generations to end", () -> metric("live_streams") <= liveBefore);

      // Meanwhile, a normal client on every transport streams a normal generation, exactly.
      for (Transport transport : Transport.values()) {
        Gateway.Spec spec = Gateway.richText().tokensPerSecond(50).length(40);
        String expected = Gateway.assertRich(expectedText());
        long started = System.nanoTime();
        Normal client = stream(transport, spec);
        Gateway.await(transport + "'s first token", () -> client.transcript().cursor() > 0);
        Duration firstToken = Duration.ofNanos(System.nanoTime() - started);
        Gateway.await(client.end());
        assertEquals(expected, client.transcript().text(), transport + " beside stalled clients");
        assertTrue(
            firstToken.compareTo(FIRST_TOKEN_BOUND) < 0,
            transport + "'s first token came after " + firstToken.toMillis() + " ms");
      }

      // The stalled clients are dropped (stuck timeout), and each resumes from what it had.
      // On Payara, Tyrus may close a stalled WebSocket itself before the stuck timeout: every
      // stalled socket is closed either way, and each other stalled client counts as a stuck drop.
      Gateway.await(
          "the stalled clients to be dropped",
          () ->
              metric("stuck_drops") >= dropsBefore + 3 * STALLED_PER_TRANSPORT
                  && metric("open_streams") <= openBefore);
      // Each drains (to a close or a silence) and resumes on a thread of its own: a dozen
      // silences one after another would be most of the suite.
      ExecutorService each = Executors.newFixedThreadPool(stalled.size());
      try {
        List<CompletableFuture<Void>> checks = new ArrayList<>();
        for (Stalled client : stalled) {
          checks.add(CompletableFuture.runAsync(() -> drainAndResume(client), each));
        }
        for (CompletableFuture<Void> check : checks) {
          Gateway.await(check);
        }
      } finally {
        each.shutdownNow();
      }
    } finally {
      for (Stalled client : stalled) {
        client.socket().close();
      }
    }
  }

  private void drainAndResume(Stalled client) {
    try {
      Received had = drain(client);
      String full = gateway.awaitEnded(had.id()).get("text").asText();
      String rest = resume(client, had);
      assertEquals(full, had.text() + rest, client.transport() + " stalled client resumed");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  // ---- the stalled clients -------------------------------------------------------------------

  static Gateway.Spec huge(int seed) {
    return Gateway.simulated(HUGE_PROMPT)
        .seed(seed)
        .ttftMs(0)
        .tokensPerSecond(5000)
        .length(8192)
        .maxTokens(8192)
        .topicMax(16_000);
  }

  private Stalled stall(Transport transport, int seed) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(1024); // before connecting, so the window stays small
    URI base = gateway.uri("");
    socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
    socket.setSoTimeout((int) Gateway.TIMEOUT.toMillis());
    String path = base.getRawPath();
    String host = base.getAuthority();
    String id;
    switch (transport) {
      case SSE -> {
        id = gateway.createGeneration(huge(seed));
        write(
            socket,
            "GET "
                + path
                + "api/generations/"
                + id
                + "/events HTTP/1.1\r\nHost: "
                + host
                + "\r\nAccept: text/event-stream\r\n\r\n");
      }
      case POLL -> { // asks for the whole generation at once, and never reads the answer
        id = gateway.createGeneration(huge(seed));
        gateway.awaitEnded(id);
        write(
            socket,
            "GET "
                + path
                + "api/generations/"
                + id
                + "/poll?after=0&wait=0 HTTP/1.1"
                + "\r\nHost: "
                + host
                + "\r\n\r\n");
      }
      case OPENAI -> { // the /v1 resume of a generation started here: its id is known even
        // if the connection is reset before the client saw a byte (Payara resets some)
        id = gateway.createGeneration(huge(seed));
        write(
            socket,
            "GET "
                + path
                + "v1/chat/completions/chatcmpl-"
                + id
                + " HTTP/1.1\r\nHost: "
                + host
                + "\r\nAccept: text/event-stream\r\n\r\n");
      }
      case WEBSOCKET -> {
        id = gateway.createGeneration(huge(seed));
        write(
            socket,
            "GET "
                + path
                + "ws HTTP/1.1\r\nHost: "
                + host
                + "\r\nUpgrade: websocket"
                + "\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(new byte[16])
                + "\r\n\r\n");
        ObjectNode subscribe =
            Gateway.JSON.createObjectNode().put("type", "subscribe").put("id", id).put("after", 0);
        socket.getOutputStream().write(maskedText(subscribe.toString()));
      }
      default -> throw new IllegalArgumentException(transport.name());
    }
    return new Stalled(transport, id, socket);
  }

  private static void write(Socket socket, String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
  }

  /** A client-to-server text frame: masked, as RFC 6455 section 5.3 requires. */
  private static byte[] maskedText(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(0x81);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else {
      frame.write(0x80 | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length & 0xff);
    }
    byte[] mask = {1, 2, 3, 4};
    frame.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i % 4]);
    }
    return frame.toByteArray();
  }

  // ---- what a stalled client had, and its resume ---------------------------------------------

  record Received(String id, long cursor, String text) {}

  /** Reads what the dropped connection still delivers, to its end; keeps only whole frames. */
  private Received drain(Stalled client) throws IOException {
    byte[] raw = readToEnd(client.socket());
    String all = new String(raw, StandardCharsets.ISO_8859_1);
    int headersEnd = all.indexOf("\r\n\r\n");
    String head = headersEnd < 0 ? all : all.substring(0, headersEnd);
    byte[] body = headersEnd < 0 ? new byte[0] : slice(raw, headersEnd + 4, raw.length);
    return switch (client.transport()) {
      case SSE -> events(client.id(), dechunk(body, head), false);
      case OPENAI -> events(client.id(), dechunk(body, head), true);
      case WEBSOCKET -> frames(client.id(), body);
      case POLL -> new Received(client.id(), 0, ""); // one answer, all or nothing: resume from 0
    };
  }

  /**
   * What the dropped connection still has, until it closes or stays silent for {@link
   * #DRAINED_AFTER}. A dropped stream can end cleanly and its connection be kept alive (Tomcat, at
   * times), so the end of what it had is a silence, not a close. A silence that a loaded machine
   * cuts short only moves the resume earlier: whole frames are kept, and the rest is resumed.
   */
  private static byte[] readToEnd(Socket socket) throws IOException {
    socket.setSoTimeout((int) DRAINED_AFTER.toMillis());
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    InputStream in = socket.getInputStream();
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        all.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException | java.net.SocketException closedHard) {
      // a reset, or a server that never closed: what came so far is what the client had
    }
    return all.toByteArray();
  }

  /** The body of a chunked response, as far as whole chunks go; as is when not chunked. */
  private static byte[] dechunk(byte[] body, String head) {
    if (!head.toLowerCase().contains("transfer-encoding: chunked")) {
      return body;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    while (true) {
      int lineEnd = indexOf(body, at);
      if (lineEnd < 0) {
        return out.toByteArray();
      }
      int size =
          Integer.parseInt(
              new String(body, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].trim(),
              16);
      int start = lineEnd + 2;
      if (size == 0 || start + size > body.length) {
        out.write(body, start, Math.max(0, Math.min(size, body.length - start)));
        return out.toByteArray();
      }
      out.write(body, start, size);
      at = start + size + 2;
    }
  }

  private static int indexOf(byte[] bytes, int from) {
    for (int i = from; i + 1 < bytes.length; i++) {
      if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Whole SSE events only (a cut one is what the client never saw): the cursor and the text. */
  static Received events(String id, byte[] body, boolean openAi) {
    String text = new String(body, StandardCharsets.UTF_8);
    long cursor = 0;
    StringBuilder got = new StringBuilder();
    int end = text.lastIndexOf("\n\n");
    for (String event : end < 0 ? new String[0] : text.substring(0, end).split("\n\n")) {
      String eventId = null;
      String data = null;
      boolean token = openAi;
      for (String line : event.split("\n")) {
        if (line.startsWith("id: ")) {
          eventId = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        } else if (line.equals("event: token")) {
          token = true;
        }
      }
      if (!token || data == null || data.equals("[DONE]")) {
        continue;
      }
      JsonNode json = Gateway.json(data);
      if (openAi) {
        JsonNode content = json.path("choices").path(0).path("delta").path("content");
        if (content.isTextual()) {
          got.append(content.asText());
          cursor = Long.parseLong(eventId);
        }
      } else {
        got.append(json.get("text").asText());
        cursor = json.get("seq").asLong();
      }
    }
    return new Received(id, cursor, got.toString());
  }

  /** Whole messages only: server frames are unmasked, a large message comes in fragments. */
  private static Received frames(String id, byte[] body) {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    long cursor = 0;
    StringBuilder got = new StringBuilder();
    int at = 0;
    while (at + 2 <= body.length) {
      int opcode = body[at] & 0x0f;
      int length = body[at + 1] & 0x7f;
      int header = 2;
      if (length == 126) {
        if (at + 4 > body.length) {
          break;
        }
        length = ((body[at + 2] & 0xff) << 8) | (body[at + 3] & 0xff);
        header = 4;
      } else if (length == 127) {
        if (at + 10 > body.length) {
          break;
        }
        long big = 0;
        for (int i = 2; i < 10; i++) {
          big = (big << 8) | (body[at + i] & 0xff);
        }
        length = (int) big;
        header = 10;
      }
      if (at + header + length > body.length) {
        break; // cut: the client never saw this frame
      }
      if (opcode == 1 || opcode == 0) { // a text message, or a continuation of one
        message.write(body, at + header, length);
        if ((body[at] & 0x80) != 0) { // FIN: the message is whole
          JsonNode frame = Gateway.json(message.toString(StandardCharsets.UTF_8));
          message.reset();
          if (frame.get("type").asText().equals("token")) {
            got.append(frame.get("text").asText());
            cursor = frame.get("seq").asLong();
          }
        }
      }
      at += header + length;
    }
    return new Received(id, cursor, got.toString());
  }

  /**
   * The rest of the stalled client's generation after its cursor: over SSE with {@code
   * Last-Event-ID} for an SSE client, else by long polling (every transport resumes on any other).
   */
  private String resume(Stalled client, Received had) {
    if (client.transport() == Transport.SSE) {
      SseReader rest =
          SseReader.open(
              gateway, had.id(), "", had.cursor(), "Last-Event-ID", Long.toString(had.cursor()));
      rest.awaitEnd();
      return rest.transcript().text();
    }
    Gateway.Polling rest = gateway.pollToEnd(had.id(), had.cursor());
    Gateway.await(rest.end());
    return rest.transcript().text();
  }

  // ---- normal clients ------------------------------------------------------------------------

  /** A normal client's transcript so far, and when its stream ends. */
  private record Normal(Transcript transcript, CompletableFuture<?> end) {}

  /** The exact text of {@code spec}'s generation (the simulated model is deterministic). */
  private String expectedText() {
    String id =
        gateway.createGeneration(
            Gateway.simulated("tell me about streams").seed(7).length(40).tokensPerSecond(10000));
    return gateway.awaitEnded(id).get("text").asText();
  }

  private Normal stream(Transport transport, Gateway.Spec spec) {
    switch (transport) {
      case SSE -> {
        SseReader reader = SseReader.open(gateway, gateway.createGeneration(spec));
        return new Normal(reader.transcript(), reader.ending());
      }
      case POLL -> {
        Gateway.Polling polling = gateway.pollToEnd(gateway.createGeneration(spec), 0);
        return new Normal(polling.transcript(), polling.end());
      }
      case WEBSOCKET -> {
        WsClient ws = WsClient.connect(gateway);
        String id = ws.generate(spec);
        return new Normal(ws.transcript(id), ws.end(id).whenComplete((end, e) -> ws.close()));
      }
      case OPENAI -> {
        Transcript transcript = new Transcript(0);
        ObjectNode body = spec.json().put("stream", true);
        CompletableFuture<?> end =
            Gateway.HTTP
                .sendAsync(
                    gateway
                        .request("v1/chat/completions")
                        .header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofLines())
                .thenAccept(response -> readChunks(response.body(), transcript));
        return new Normal(transcript, end);
      }
      default -> throw new IllegalArgumentException(transport.name());
    }
  }

  /** OpenAI chunks: {@code id: n} (the cursor after the chunk) before each {@code data:}. */
  private static void readChunks(java.util.stream.Stream<String> lines, Transcript transcript) {
    long[] id = {0};
    lines.forEach(
        line -> {
          if (line.startsWith("id: ")) {
            id[0] = Long.parseLong(line.substring(4));
          } else if (line.startsWith("data: {")) {
            JsonNode content =
                Gateway.json(line.substring(6))
                    .path("choices")
                    .path(0)
                    .path("delta")
                    .path("content");
            if (content.isTextual()) {
              transcript.append(transcript.cursor() + 1, id[0], content.asText());
            }
          }
        });
  }

  private long metric(String name) {
    return Gateway.json(gateway.get("api/metrics").body()).get(name).asLong();
  }

  private static byte[] slice(byte[] bytes, int from, int to) {
    byte[] part = new byte[to - from];
    System.arraycopy(bytes, from, part, 0, part.length);
    return part;
  }
}
