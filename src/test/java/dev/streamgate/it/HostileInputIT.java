package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated hostile input on every entry — broken and deeply nested JSON, wrong types, huge
 * numbers, invalid UTF-8, CR/LF/NUL where a header or an SSE line could carry it, garbage cursors,
 * odd WebSocket frames — while three streams run. Every case must get a 4xx (or an error frame),
 * never a 5xx or a stack trace; afterwards the running streams complete with the right text and the
 * server holds no more threads or memory than before (as its own metrics report them). Runs a
 * server of its own on the run's runtime, so what it measures is this suite's.
 */
@Tag("own-server")
class HostileInputIT {

  /**
   * Every property draws from this one seed, so each run tries the same inputs and a failure
   * replays exactly; jqwik prints the seed with a failure. Change it to explore other inputs.
   */
  static final String SEED = "20261205";

  private static OwnGateway server;
  private static Gateway gateway;
  private static final List<SseReader> witnesses = new ArrayList<>();
  private static final List<String> witnessIds = new ArrayList<>();
  private static WsClient socket;

  /** A short generation that has ended: a valid cursor on it answers at once, not in 20 s. */
  private static String finishedId;

  private static double threadsBefore;
  private static long heapBefore;

  @BeforeContainer
  static void start() throws Exception {
    server = OwnGateway.start(Map.of());
    gateway = server.gateway();
    warmUp();
    threadsBefore = serverThreads();
    heapBefore = usedHeapAfterGc();
    for (int i = 0; i < 3; i++) {
      String id =
          gateway.createGeneration(
              Gateway.simulated("witness " + i).length(300).maxTokens(300).tokensPerSecond(15));
      witnessIds.add(id);
      witnesses.add(SseReader.open(gateway, id));
    }
    socket = WsClient.connect(gateway);
    socket.subscribe(witnessIds.get(0), 0);
    finishedId = gateway.createGeneration(Gateway.simulated("finished").length(30));
    gateway.awaitEnded(finishedId);
  }

  /** Everything the suite will touch once, so lazily made pools and caches count as baseline. */
  private static void warmUp() {
    String id = gateway.createGeneration(Gateway.simulated("warm up").length(5));
    SseReader.open(gateway, id).awaitEnd();
    gateway.pollOnce(id, 0);
    WsClient warm = WsClient.connect(gateway);
    warm.send("{");
    warm.awaitFrame(f -> "error".equals(WsClient.type(f)));
    warm.close();
    post("api/generations", "{");
  }

  @AfterContainer
  static void checkAndStop() throws Exception {
    try {
      for (int i = 0; i < witnesses.size(); i++) {
        witnesses.get(i).awaitEnd();
        JsonNode status = gateway.status(witnessIds.get(i));
        assertEquals("completed", status.get("state").asText());
        assertEquals(
            status.get("text").asText(),
            witnesses.get(i).transcript().text(),
            "a stream that ran through the suite has the right text");
      }
      socket.awaitEnd(witnessIds.get(0));
      assertEquals(
          gateway.status(witnessIds.get(0)).get("text").asText(),
          socket.transcript(witnessIds.get(0)).text());
      socket.close();

      // A thread or a buffer kept per hostile request (there are over 500) would pass these
      // bounds; the pools this suite's few concurrent requests grow stay far below them.
      Gateway.await(
          "the server's threads back near the baseline of " + threadsBefore,
          () -> serverThreads() <= threadsBefore + 64);
      long grown = usedHeapAfterGc() - heapBefore;
      assertTrue(grown < 64L << 20, "heap grew by " + (grown >> 20) + " MiB over the suite");
    } finally {
      server.stop();
    }
  }

  /** The server's live threads, as its own metrics report them (the same on every runtime). */
  private static double serverThreads() {
    HttpResponse<String> metrics = gateway.get("metrics");
    assertEquals(200, metrics.statusCode(), metrics.body());
    return Prometheus.value(metrics.body(), "jvm_threads_live_threads");
  }

  /** The server's heap after a collection it is asked for (allowed from loopback only). */
  private static long usedHeapAfterGc() {
    HttpResponse<String> figures = gateway.get("api/metrics?gc=true");
    assertEquals(200, figures.statusCode(), figures.body());
    return Gateway.json(figures.body()).get("heap_used").asLong();
  }

  private static HttpResponse<String> post(String path, String body) {
    return gateway.send(
        gateway
            .request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static HttpResponse<String> postBytes(String path, byte[] body) {
    return gateway.send(
        gateway
            .request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** A refusal is a 4xx with a problem that names a code and carries no stack trace. */
  private static void assertRefused(HttpResponse<String> response) {
    assertRefusedByServer(response);
    assertTrue(response.body().contains("\"code\""), response.body());
  }

  /**
   * A 4xx without a stack trace. A request Tomcat itself rejects (an encoded slash or NUL in the
   * path) never reaches the application, so its body is Tomcat's, with no details.
   */
  private static void assertRefusedByServer(HttpResponse<String> response) {
    int status = response.statusCode();
    assertTrue(status >= 400 && status < 500, status + ": " + response.body());
    assertFalse(
        response.body().contains("Exception") || response.body().contains("\tat "),
        response.body());
  }

  // ---- generators -----------------------------------------------------------------------------

  /** Valid requests broken in one place: a wrong type, a huge number, a cut, a hostile string. */
  @Provide
  Arbitrary<String> brokenRequests() {
    Arbitrary<String> values =
        Arbitraries.oneOf(
            Arbitraries.of(
                "null",
                "true",
                "[]",
                "{}",
                "\"\"",
                "-1",
                "0",
                "1e309",
                "1.5",
                "99999999999999999999999999",
                "\"8\"",
                "\"\\u0000\"",
                "\"\\r\\nevent: done\"",
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
            text(40).map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""));
    Arbitrary<String> field =
        Arbitraries.of(
            "model",
            "messages",
            "max_tokens",
            "simulation",
            "role",
            "content",
            "ttft_ms",
            "tokens_per_second",
            "seed",
            "length",
            "fail_after");
    return Combinators.combine(field, values, Arbitraries.integers().between(0, 4))
        .as(
            (name, value, shape) ->
                switch (shape) {
                  case 0 ->
                      "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\""
                          + name
                          + "\":"
                          + value
                          + "}";
                  case 1 -> "{\"messages\":[{\"role\":\"user\",\"" + name + "\":" + value + "}]}";
                  case 2 ->
                      "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"simulation\":{\""
                          + name
                          + "\":"
                          + value
                          + "}}";
                  case 3 ->
                      "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\""
                          + name
                          + "\":"
                          + value;
                  default -> value;
                });
  }

  /** Any text a client can send: every char but lone surrogates, which no encoder will send. */
  private static Arbitrary<String> text(int maxLength) {
    return Arbitraries.strings()
        .withCharRange('\u0000', '\ud7ff')
        .withCharRange('\ue000', '\ufffd')
        .ofMaxLength(maxLength);
  }

  @Provide
  Arbitrary<byte[]> garbageBytes() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(300);
  }

  @Provide
  Arbitrary<String> nestedJson() {
    return Arbitraries.integers()
        .between(100, 5000)
        .map(depth -> "{\"messages\":" + "[".repeat(depth) + "]".repeat(depth) + "}");
  }

  /** Strings a client could put where a cursor, an id or a header value goes. */
  @Provide
  Arbitrary<String> hostileText() {
    return Arbitraries.oneOf(
        text(60),
        Arbitraries.strings().withChars("0123456789-+.eE \r\n\0\t%").ofMaxLength(30),
        Arbitraries.of(
            "1\r\nevent: done",
            "\0",
            "-0",
            "007",
            "9223372036854775808",
            "1e3",
            "%0d%0a",
            "../../etc/passwd",
            "<script>"));
  }

  // ---- properties -------------------------------------------------------------------------------

  @Property(tries = 150, seed = SEED)
  void aBrokenGenerationRequestIsRefusedWithAProblem(@ForAll("brokenRequests") String body) {
    HttpResponse<String> response = post("api/generations", body);
    if (response.statusCode() == 201) {
      gateway.cancel(Gateway.json(response.body()).get("id").asText()); // it happened to be valid
      return;
    }
    assertRefused(response);
  }

  @Property(tries = 100, seed = SEED)
  void garbageBytesAreRefusedOnBothApis(@ForAll("garbageBytes") byte[] body) {
    assertRefused(postBytes("api/generations", body));
    HttpResponse<String> openAi = postBytes("v1/chat/completions", body);
    assertTrue(openAi.statusCode() >= 400 && openAi.statusCode() < 500, openAi.body());
    assertTrue(openAi.body().startsWith("{\"error\":{"), openAi.body());
  }

  @Property(tries = 10, seed = SEED)
  void deepNestingIsRefused(@ForAll("nestedJson") String body) {
    assertRefused(post("api/generations", body));
  }

  @Property(tries = 120, seed = SEED)
  void hostileCursorsAndIdsAreRefusedAndNeverEchoedRaw(@ForAll("hostileText") String text) {
    String encoded = URLEncoder.encode(text, StandardCharsets.UTF_8);
    String id = finishedId;
    for (String path :
        List.of(
            "api/generations/" + id + "/events?after=" + encoded,
            "api/generations/" + id + "/poll?wait=0&after=" + encoded,
            "api/generations/" + id + "/poll?wait=" + encoded,
            "api/generations/" + encoded,
            "api/generations/" + encoded + "/events")) {
      HttpResponse<String> response = gateway.get(path);
      if (response.statusCode() == 200) {
        continue; // a cursor or wait that happens to be valid ("0", "007", " 3 ")
      }
      assertRefusedByServer(response);
      assertFalse(
          response.body().contains("\r") || response.body().contains("\n"),
          "no raw line break in a response: " + response.body());
    }
  }

  @Property(tries = 60, seed = SEED)
  void lineBreaksAndNulInHeadersAreRefusedBeforeTheyReachALine(@ForAll("hostileText") String text)
      throws IOException {
    // The JDK client will not send CR/LF in a header, so this one is written by hand.
    String request =
        "GET "
            + server.contextPath()
            + "api/generations/"
            + witnessIds.get(2)
            + "/events HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\nAccept: text/event-stream\r\nLast-Event-ID: "
            + text
            + "\r\nConnection: close\r\n\r\n";
    try (Socket raw = new Socket("127.0.0.1", server.port())) {
      raw.setSoTimeout(30_000);
      raw.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = raw.getInputStream();
      String head = readHead(in);
      String status = head.substring(0, Math.max(0, head.indexOf("\r\n")));
      if (status.startsWith("HTTP/1.1 200")) {
        // Accepted: the header ended at its first line break, as HTTP says, and what came before
        // it was a valid cursor (e.g. "1\r\nevent: done" is "1" and a header named "event"). The
        // stream must resume right after that cursor: nothing after the break became a field.
        String meant = text.split("[\r\n]", -1)[0].strip();
        assertTrue(meant.matches("\\d*"), "accepted a header that is no cursor: " + head);
        long cursor = meant.isEmpty() ? 0 : Long.parseLong(meant);
        JsonNode first = Gateway.json(firstData(in, head));
        if (first.has("seq")) {
          long from =
              first.has("first_seq") ? first.get("first_seq").asLong() : first.get("seq").asLong();
          assertEquals(cursor + 1, from, "the first token after Last-Event-ID " + cursor);
        } else {
          assertEquals(cursor, first.get("tokens").asLong(), "ended right after the cursor");
        }
        return;
      }
      assertTrue(status.matches("HTTP/1\\.1 4\\d\\d.*"), head);
      assertFalse(head.contains("event: done"), head);
    }
  }

  /** The first {@code data:} line of an event stream, read through its chunked encoding. */
  private static String firstData(InputStream in, String head) throws IOException {
    assertTrue(
        head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked"), head);
    StringBuilder body = new StringBuilder();
    while (true) {
      String size = line(in);
      int length = Integer.parseInt(size.split(";")[0].strip(), 16);
      assertTrue(length > 0, "the stream ended before its first event: " + body);
      body.append(new String(in.readNBytes(length), StandardCharsets.UTF_8));
      line(in); // the CRLF after a chunk
      String[] lines = body.toString().split("\n", -1);
      for (int i = 0; i < lines.length - 1; i++) { // the last is not yet a whole line
        if (lines[i].startsWith("data: ")) {
          return lines[i].substring("data: ".length());
        }
      }
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      line.append((char) c);
    }
    return line.toString().strip();
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int c;
    while (!head.toString().endsWith("\r\n\r\n") && head.length() < 8192 && (c = in.read()) >= 0) {
      head.append((char) c);
    }
    return head.toString();
  }

  private static long errors(WsClient client) {
    return client.frames().stream().filter(f -> "error".equals(WsClient.type(f))).count();
  }

  @Property(tries = 80, seed = SEED)
  void aBadWebSocketMessageGetsAnErrorFrameAndTheSocketStaysOpen(
      @ForAll("brokenRequests") String request, @ForAll("hostileText") String text) {
    WsClient client = WsClient.connect(gateway);
    try {
      client.send(
          "{\"type\":\"subscribe\",\"id\":\""
              + witnessIds.get(1).substring(0, 4)
              + text.replace("\\", "").replace("\"", "")
              + "\"}");
      client.awaitFrame(f -> "error".equals(WsClient.type(f)));
      client.send("{\"type\":\"generate\",\"ref\":\"hostile\",\"request\":" + request + "}");
      Gateway.await("an answer to each message", () -> client.frames().size() >= 2);
      long errorsBefore = errors(client);
      client.send(text); // no protocol message: an error frame, never a close
      client.sendBinary(text.getBytes(StandardCharsets.UTF_8));
      client.awaitFrame(f -> "unsupported_frame".equals(f.path("code").asText()));
      Gateway.await("an error frame for each", () -> errors(client) >= errorsBefore + 2);
      client.send("{\"type\":\"cancel\",\"id\":\"gen_still_listening\"}");
      client.awaitFrame(f -> "gen_still_listening".equals(f.path("id").asText()));
    } finally {
      client.frames().stream()
          .filter(f -> "started".equals(WsClient.type(f)))
          .forEach(f -> gateway.cancel(f.get("id").asText()));
      client.close();
    }
  }

  @Property(tries = 3, seed = SEED)
  void slowClientsDoNotStopTheServerServingOthers(@ForAll("garbageBytes") byte[] start)
      throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 40; i++) {
        Socket raw = new Socket("127.0.0.1", server.port());
        OutputStream out = raw.getOutputStream();
        out.write(
            ("POST "
                    + server.contextPath()
                    + "api/generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                    + "\r\nContent-Length: 100000\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(start); // then nothing more: a slowloris body
        out.flush();
        slow.add(raw);
      }
      HttpResponse<String> health = gateway.get("health");
      assertEquals(200, health.statusCode());
      String id = gateway.createGeneration(Gateway.simulated("still serving").length(10));
      SseReader reader = SseReader.open(gateway, id);
      reader.awaitEnd();
      assertEquals(gateway.status(id).get("text").asText(), reader.transcript().text());
    } finally {
      for (Socket raw : slow) {
        raw.close();
      }
    }
  }
}
