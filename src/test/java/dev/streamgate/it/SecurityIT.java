package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A gateway with API keys: only keys get in, a generation is invisible to every other key on every
 * transport, browsers read with tickets, foreign origins are refused, and each limit answers its
 * own 429 or 503 without touching the streams already running. Runs its own server (the real WAR on
 * the run's runtime: OwnGateway) because these settings are read at startup.
 */
@Tag("own-server")
class SecurityIT {

  private static final Map<String, String> SETTINGS =
      Map.ofEntries(
          Map.entry(
              "streamgate.api-keys",
              String.join(",", key("alice"), key("bob"), key("carol"), key("dave"), key("erin"))),
          Map.entry("streamgate.allowed-origins", "https://app.example"),
          Map.entry("streamgate.key-rate", "12"),
          Map.entry("streamgate.key-max-live", "3"),
          Map.entry("streamgate.key-max-connections", "3"),
          Map.entry("streamgate.max-open-streams", "8"),
          Map.entry("streamgate.polls-per-generation", "2"),
          Map.entry("streamgate.ws-max-streams", "2"),
          Map.entry("streamgate.ws-rate", "5"),
          Map.entry("streamgate.body-timeout", "2s"));

  private static OwnGateway launcher;
  private static int port;
  private static Gateway gateway;

  /** Each test key is "sk-" + its name; the gateway holds only the SHA-256. */
  static String key(String name) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(("sk-" + name).getBytes(StandardCharsets.UTF_8));
      return name + "=sha256:" + HexFormat.of().formatHex(hash);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String bearer(String name) {
    return "Bearer sk-" + name;
  }

  @BeforeAll
  static void start() throws Exception {
    launcher = OwnGateway.start(SETTINGS);
    gateway = launcher.gateway();
    port = launcher.port();
  }

  @AfterAll
  static void stop() throws Exception {
    launcher.stop();
  }

  private static HttpResponse<String> post(String path, String body, String... headers) {
    return gateway.send(
        gateway
            .request(path)
            .headers(withJson(headers))
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static String[] withJson(String... headers) {
    List<String> all = new ArrayList<>(List.of(headers));
    all.add("Content-Type");
    all.add("application/json");
    return all.toArray(String[]::new);
  }

  /** Every generation a test started, with its key: cancelled after each test. */
  private static final List<String[]> STARTED = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Alice's (or another key's) new generation: slow enough to still run while a test looks. */
  private static JsonNode create(String who, Gateway.Spec spec) {
    HttpResponse<String> created =
        post("api/generations", spec.toString(), "Authorization", bearer(who));
    assertEquals(201, created.statusCode(), created.body());
    JsonNode generation = Gateway.json(created.body());
    STARTED.add(new String[] {who, generation.get("id").asText()});
    return generation;
  }

  /**
   * Each test starts on a quiet gateway, whatever the one before it did or in what order they run:
   * what it started is cancelled, and nothing runs on when the next begins.
   */
  @AfterEach
  void cancelWhatTheTestStarted() {
    for (String[] generation : STARTED) {
      gateway.send(
          gateway
              .request("api/generations/" + generation[1])
              .header("Authorization", bearer(generation[0]))
              .DELETE()); // 200, or 409 if it had ended: either way it no longer runs
    }
    STARTED.clear();
    Gateway.await("no generation left running", () -> liveStreams(bearer("alice")) == 0);
  }

  private static long liveStreams(String authorization) {
    HttpResponse<String> metrics = gateway.get("api/metrics", "Authorization", authorization);
    assertEquals(200, metrics.statusCode(), metrics.body());
    return Gateway.json(metrics.body()).get("live_streams").asLong();
  }

  private static Gateway.Spec slow() {
    return Gateway.simulated("slow and long").length(400).maxTokens(400).tokensPerSecond(20);
  }

  /** With keys and no STREAMGATE_METRICS_ACCESS, a scraper on this host reads /metrics keyless. */
  @Test
  void metricsAreServedToThisHostByDefaultWhenKeysAreSet() throws Exception {
    HttpResponse<String> metrics = gateway.get("metrics");
    assertEquals(200, metrics.statusCode(), metrics.body());
    assertTrue(metrics.body().contains("\njvm_memory_used_bytes{"), metrics.body());
    Prometheus.assertLintClean(metrics.body());
  }

  @Test
  void withoutAKeyEveryEntryIs401() {
    HttpResponse<String> api = post("api/generations", Gateway.simulated("x").toString());
    Gateway.assertProblem(api, 401, "unauthorized");
    assertEquals("Bearer", api.headers().firstValue("WWW-Authenticate").orElse(null));

    HttpResponse<String> wrong = gateway.get("api/models", "Authorization", "Bearer sk-mallory");
    Gateway.assertProblem(wrong, 401, "unauthorized");

    HttpResponse<String> openAi = gateway.get("v1/models");
    assertEquals(401, openAi.statusCode());
    assertEquals("authentication_error", Gateway.json(openAi.body()).at("/error/type").asText());

    var refused =
        assertInstanceOf(
            WebSocketHandshakeException.class,
            handshakeFailure(WsClient.connectAsync(gateway, "ws")));
    assertEquals(401, refused.getResponse().statusCode());
  }

  @Test
  void anotherKeysGenerationDoesNotExistOnAnyTransport() {
    String id = create("alice", slow()).get("id").asText();
    String bob = bearer("bob");
    Gateway.assertProblem(
        gateway.get("api/generations/" + id, "Authorization", bob), 404, "not_found");
    Gateway.assertProblem(
        gateway.get("api/generations/" + id + "/events", "Authorization", bob), 404, "not_found");
    Gateway.assertProblem(
        gateway.get("api/generations/" + id + "/poll?wait=0", "Authorization", bob),
        404,
        "not_found");
    Gateway.assertProblem(
        gateway.send(
            gateway.request("api/generations/" + id).header("Authorization", bob).DELETE()),
        404,
        "not_found");
    Gateway.assertProblem(
        post("api/tickets", "{\"generation\":\"" + id + "\"}", "Authorization", bob),
        404,
        "not_found");
    HttpResponse<String> resume =
        gateway.get(
            "v1/chat/completions/chatcmpl-" + id,
            "Authorization",
            bob,
            "Accept",
            "text/event-stream");
    assertEquals(404, resume.statusCode(), resume.body());

    WsClient socket = Gateway.await(WsClient.connectAsync(gateway, "ws", "Authorization", bob));
    try {
      socket.send("{\"type\":\"subscribe\",\"id\":\"" + id + "\",\"after\":0}");
      assertEquals(
          "not_found",
          socket.awaitFrame(f -> "error".equals(WsClient.type(f))).get("code").asText());
      socket.send("{\"type\":\"cancel\",\"id\":\"" + id + "\"}");
      Gateway.await(
          "a second not_found, for the cancel",
          () ->
              socket.frames().stream()
                      .filter(f -> "not_found".equals(f.path("code").asText()))
                      .count()
                  == 2);
    } finally {
      socket.close();
    }
    JsonNode status =
        Gateway.json(gateway.get("api/generations/" + id, "Authorization", bearer("alice")).body());
    assertEquals("running", status.get("state").asText(), "bob's attempts changed nothing");
    gateway.send(
        gateway.request("api/generations/" + id).header("Authorization", bearer("alice")).DELETE());
  }

  @Test
  void aTicketLetsABrowserReadOneGenerationWithoutTheKey() {
    JsonNode created = create("alice", Gateway.simulated("tickets please"));
    String id = created.get("id").asText();
    String ticket = created.get("ticket").asText();
    assertFalse(ticket.contains("sk-alice"), "the key never goes into a URL");

    SseReader events = SseReader.open(gateway, id, "ticket=" + ticket, 0);
    events.awaitEnd();
    JsonNode status =
        Gateway.json(gateway.get("api/generations/" + id + "?ticket=" + ticket).body());
    assertEquals(status.get("text").asText(), events.transcript().text());
    assertEquals(
        200, gateway.get("api/generations/" + id + "/poll?wait=0&ticket=" + ticket).statusCode());

    String other = create("alice", Gateway.simulated("another one")).get("id").asText();
    Gateway.assertProblem(
        gateway.get("api/generations/" + other + "/events?ticket=" + ticket), 401, "unauthorized");
    String forged = ticket.substring(0, ticket.length() - 2) + (ticket.endsWith("A") ? "BB" : "AA");
    Gateway.assertProblem(
        gateway.get("api/generations/" + id + "/events?ticket=" + forged), 401, "unauthorized");

    WsClient socket = Gateway.await(WsClient.connectAsync(gateway, "ws?ticket=" + ticket));
    try {
      socket.subscribe(id, 0);
      socket.awaitEnd(id);
      assertEquals(status.get("text").asText(), socket.transcript(id).text());
      socket.send("{\"type\":\"generate\",\"request\":" + Gateway.simulated("x") + "}");
      assertEquals(
          "forbidden",
          socket.awaitFrame(f -> "error".equals(WsClient.type(f))).get("code").asText());
      socket.send("{\"type\":\"subscribe\",\"id\":\"" + other + "\",\"after\":0}");
      socket.awaitFrame(f -> "not_found".equals(f.path("code").asText()));
    } finally {
      socket.close();
    }
  }

  @Test
  void aLeakedTicketHoldsAFewStreamsAndNeverLocksItsKeyOut() {
    JsonNode created = create("erin", slow());
    String id = created.get("id").asText();
    String ticket = created.get("ticket").asText();
    String sealed = new String(Base64.getUrlDecoder().decode(ticket), StandardCharsets.ISO_8859_1);
    assertFalse(sealed.contains("erin") || sealed.contains(id), "a ticket names no key: " + sealed);
    List<SseReader> open = new ArrayList<>();
    WsClient socket = null;
    try {
      for (int i = 0; i < 4; i++) { // STREAMGATE_TICKET_MAX_CONNECTIONS' default
        open.add(SseReader.open(gateway, id, "ticket=" + ticket, 0).awaitCursor(1));
      }
      Gateway.assertProblem(
          gateway.get("api/generations/" + id + "/events?ticket=" + ticket),
          429,
          "too_many_connections");
      socket = Gateway.await(WsClient.connectAsync(gateway, "ws?ticket=" + ticket));
      assertEquals(1013, socket.awaitClose(), "a fifth stream over WebSocket");

      // The key's own streams, and another ticket's, are not touched by this ticket's.
      open.add(SseReader.open(gateway, id, "", 0, "Authorization", bearer("erin")).awaitCursor(1));
      HttpResponse<String> second =
          post("api/tickets", "{\"generation\":\"" + id + "\"}", "Authorization", bearer("erin"));
      assertEquals(201, second.statusCode(), second.body());
      String other = Gateway.json(second.body()).get("ticket").asText();
      open.add(SseReader.open(gateway, id, "ticket=" + other, 0).awaitCursor(1));

      open.get(0).drop(); // a slot of the first ticket comes back once the server sees it go
      Gateway.await(
          "the first ticket's slot back",
          () -> {
            SseReader again = SseReader.open(gateway, id, "ticket=" + ticket, 0);
            if (again.response().statusCode() != 200) {
              return false;
            }
            open.add(again);
            return true;
          });
    } finally {
      gateway.send(
          gateway
              .request("api/generations/" + id)
              .header("Authorization", bearer("erin"))
              .DELETE());
      open.subList(1, open.size()).forEach(SseReader::awaitEnd);
      if (socket != null) {
        socket.close();
      }
    }
  }

  @Test
  void aDnsNameReboundToTheGatewayIsNotItsOwnOrigin() throws Exception {
    // A page on evil.example whose name now resolves to the gateway: its browser sends Host and
    // Origin for evil.example, which agree with each other and prove nothing.
    String evil = "evil.example:" + port;
    for (String request :
        List.of(
            "GET /api/models HTTP/1.1\r\nAuthorization: Bearer sk-alice\r\n",
            "GET /ws HTTP/1.1\r\nAuthorization: Bearer sk-alice\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n")) {
      String refused = raw(request + "Host: " + evil + "\r\nOrigin: http://" + evil + "\r\n\r\n");
      assertTrue(refused.startsWith("HTTP/1.1 403 "), refused);
      assertTrue(refused.contains("\"code\":\"origin_not_allowed\""), refused);
      assertFalse(refused.contains("Access-Control-Allow-Origin"), refused);
    }
    String own = "127.0.0.1:" + port; // the address itself cannot be rebound
    String allowed =
        raw(
            "GET /api/models HTTP/1.1\r\nAuthorization: Bearer sk-alice\r\nHost: "
                + own
                + "\r\nOrigin: http://"
                + own
                + "\r\n\r\n");
    assertTrue(allowed.startsWith("HTTP/1.1 200 "), allowed);
    assertTrue(allowed.contains("Access-Control-Allow-Origin: http://" + own), allowed);
  }

  @Test
  void requestsTomcatRefusesBeforeTheWebappAreAnsweredAsProblemJson() throws Exception {
    for (String header : List.of("X-Bad: a\u0001b", "X-Big: " + "a".repeat(20_000))) {
      String refused = raw("GET /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header + "\r\n\r\n");
      assertTrue(refused.startsWith("HTTP/1.1 400 "), refused);
      if (!launcher.answersContainerRefusalsAsProblemJson()) {
        continue;
      }
      assertTrue(refused.contains("Content-Type: application/problem+json"), refused);
      String body = refused.substring(refused.indexOf("\r\n\r\n") + 4);
      JsonNode problem = Gateway.json(body);
      assertEquals("bad_request", problem.get("code").asText(), body);
      assertEquals(400, problem.get("status").asInt());
      assertEquals("urn:streamgate:problem:bad-request", problem.get("type").asText());
    }
  }

  /** A body still short of its Content-Length when STREAMGATE_BODY_TIMEOUT (2 s here) passes. */
  @Test
  void anUploadThatStallsIsAnswered408AndClosed() throws IOException {
    String stalled =
        "Authorization: Bearer sk-alice\r\nContent-Type: application/json\r\n"
            + "Content-Length: 100\r\n\r\n{\"messages\":";
    String api = stalledUpload("POST /api/generations HTTP/1.1\r\nHost: x\r\n" + stalled);
    assertTrue(api.startsWith("HTTP/1.1 408 "), api);
    assertTrue(api.contains("\r\nConnection: close\r\n"), api);
    assertTrue(
        api.endsWith(
            "{\"type\":\"urn:streamgate:problem:body-timeout\",\"title\":\"Request Timeout\","
                + "\"status\":408,\"detail\":\"The request body was not complete within 2000 ms"
                + " (STREAMGATE_BODY_TIMEOUT): 12 bytes arrived.\",\"code\":\"body_timeout\"}"),
        api);
    String openAi = stalledUpload("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + stalled);
    assertTrue(openAi.startsWith("HTTP/1.1 408 "), openAi);
    assertTrue(
        openAi.endsWith(
            "{\"error\":{\"message\":\"The request body was not complete within 2000 ms"
                + " (STREAMGATE_BODY_TIMEOUT): 12 bytes arrived.\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"body_timeout\"}}"),
        openAi);
  }

  /** Sends {@code request} and nothing more; returns the answer, and checks the close. */
  private static String stalledUpload(String request) throws IOException {
    try (RawUpload upload = RawUpload.open(launcher, request)) {
      String answer = upload.response();
      if (launcher.closesAConnectionWhoseBodyIsOwed()) {
        upload.assertClosed();
      }
      return answer;
    }
  }

  /** The request line's path under the gateway's context path ("GET /api/x" on /streamgate/). */
  private static String inContext(String request) {
    return request.replaceFirst("^([A-Z]+) /", "$1 " + launcher.contextPath());
  }

  /** One request on a raw socket (the JDK client will not send another Host); the whole answer. */
  private static String raw(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout((int) Gateway.TIMEOUT.toMillis());
      String closing =
          inContext(request).replaceFirst("\r\n\r\n$", "\r\nConnection: close\r\n\r\n");
      socket.getOutputStream().write(closing.getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aForeignOriginCannotOpenAWebSocketOrReadTheApi() {
    var refused =
        assertInstanceOf(
            WebSocketHandshakeException.class,
            handshakeFailure(
                WsClient.connectAsync(
                    gateway,
                    "ws",
                    "Authorization",
                    bearer("alice"),
                    "Origin",
                    "https://evil.example")));
    assertEquals(403, refused.getResponse().statusCode());

    WsClient allowed =
        Gateway.await(
            WsClient.connectAsync(
                gateway, "ws", "Authorization", bearer("alice"), "Origin", "https://app.example"));
    allowed.close();

    HttpResponse<String> preflight =
        gateway.send(
            gateway
                .request("api/generations")
                .header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    assertEquals(204, preflight.statusCode());
    assertEquals(
        "https://app.example",
        preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
    assertTrue(
        preflight
            .headers()
            .firstValue("Access-Control-Allow-Headers")
            .orElse("")
            .contains("Authorization"));

    HttpResponse<String> foreign =
        gateway.get(
            "api/models", "Authorization", bearer("alice"), "Origin", "https://evil.example");
    Gateway.assertProblem(foreign, 403, "origin_not_allowed");
    assertNull(foreign.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
  }

  @Test
  void startingTooFastIs429WithRetryAfterOnBothApis() {
    String carol = bearer("carol");
    int started = 0;
    HttpResponse<String> refused = null;
    long begun = System.nanoTime();
    for (int i = 0; i < 40 && refused == null; i++) {
      HttpResponse<String> response =
          post(
              "api/generations",
              Gateway.simulated("burst " + i).length(1).toString(),
              "Authorization",
              carol);
      if (response.statusCode() == 201) {
        started++;
        // One at a time, so the live-generation limit (3) never answers first.
        gateway.awaitEnded(Gateway.json(response.body()).get("id").asText(), bearer("carol"));
      } else {
        refused = response;
      }
    }
    // A minute's worth (12) at once, plus what refilled meanwhile (0.2 a second): however slow
    // the machine, no more than the clock allows, and never fewer than the burst.
    double seconds = (System.nanoTime() - begun) / 1e9;
    long refilled = (long) Math.ceil(seconds * 12 / 60.0);
    assertTrue(
        started >= 12 && started <= 12 + refilled,
        started
            + " started in "
            + seconds
            + " s (12 + at most "
            + refilled
            + " refilled), then "
            + (refused == null ? "no refusal" : refused.statusCode() + " " + refused.body()));
    Gateway.assertProblem(refused, 429, "rate_limited");
    assertTrue(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()) >= 1);

    HttpResponse<String> openAi =
        post(
            "v1/chat/completions",
            "{\"model\":\"simulated\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "Authorization",
            carol);
    assertEquals(429, openAi.statusCode(), openAi.body());
    assertEquals("rate_limit_error", Gateway.json(openAi.body()).at("/error/type").asText());
    assertTrue(openAi.headers().firstValue("Retry-After").isPresent());
  }

  @Test
  void aKeyMayRunOnlySoManyGenerationsAtOnce() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(create("dave", slow()).get("id").asText());
    }
    Gateway.assertProblem(
        post("api/generations", slow().toString(), "Authorization", bearer("dave")),
        429,
        "capacity_exceeded");
    gateway.send(
        gateway
            .request("api/generations/" + ids.get(0))
            .header("Authorization", bearer("dave"))
            .DELETE());
    String next = create("dave", slow()).get("id").asText(); // a slot came back
    ids.set(0, next);
    ids.forEach(
        id ->
            gateway.send(
                gateway
                    .request("api/generations/" + id)
                    .header("Authorization", bearer("dave"))
                    .DELETE()));
  }

  @Test
  void connectionLimitsPerKeyPerGenerationAndPerSocket() {
    String erin = bearer("erin");
    String id = create("erin", slow()).get("id").asText();
    List<SseReader> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        open.add(SseReader.open(gateway, id, "", 0, "Authorization", erin));
        open.get(i).awaitCursor(1);
      }
      Gateway.assertProblem(
          gateway.get("api/generations/" + id + "/events", "Authorization", erin),
          429,
          "too_many_connections");

      // A /v1 stream or completion refused for the same reason starts no generation.
      long live = liveStreams(erin);
      for (String stream : List.of("true", "false")) {
        HttpResponse<String> refused =
            post(
                "v1/chat/completions",
                "{\"model\":\"simulated\",\"stream\":"
                    + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"refused\"}]}",
                "Authorization",
                erin);
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals(
            "too_many_connections", Gateway.json(refused.body()).at("/error/code").asText());
        assertEquals(live, liveStreams(erin), "a refused /v1 request (stream " + stream + ")");
      }
    } finally {
      gateway.send(gateway.request("api/generations/" + id).header("Authorization", erin).DELETE());
      open.forEach(SseReader::awaitEnd); // the end frees the slots
    }

    // Two long polls may wait on one generation; of three, one is refused at once.
    String quiet = create("bob", Gateway.simulated("quiet").ttftMs(30_000)).get("id").asText();
    String bob = bearer("bob");
    List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      polls.add(
          Gateway.HTTP.sendAsync(
              gateway
                  .request("api/generations/" + quiet + "/poll?wait=20")
                  .header("Authorization", bob)
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    Gateway.await(CompletableFuture.anyOf(polls.toArray(CompletableFuture[]::new)));
    HttpResponse<String> refused = firstDone(polls); // the one refused answers at once
    Gateway.assertProblem(refused, 429, "too_many_polls");
    gateway.send(gateway.request("api/generations/" + quiet).header("Authorization", bob).DELETE());
    for (CompletableFuture<HttpResponse<String>> poll : polls) {
      HttpResponse<String> answer = Gateway.await(poll);
      assertTrue(answer == refused || answer.statusCode() == 200, answer.body());
    }

    // One socket may follow two generations at once.
    WsClient socket = Gateway.await(WsClient.connectAsync(gateway, "ws", "Authorization", bob));
    try {
      STARTED.add(new String[] {"bob", socket.generate(slow())});
      STARTED.add(new String[] {"bob", socket.generate(slow())});
      socket.send("{\"type\":\"generate\",\"ref\":\"third\",\"request\":" + slow() + "}");
      assertEquals(
          "too_many_streams",
          socket.awaitFrame(f -> "third".equals(f.path("ref").asText())).get("code").asText());
    } finally {
      socket.close();
    }
  }

  @Test
  void aSocketSendingTooFastGetsRateLimitedAndStaysOpen() {
    WsClient socket =
        Gateway.await(WsClient.connectAsync(gateway, "ws", "Authorization", bearer("alice")));
    try {
      for (int i = 0; i < 30; i++) {
        socket.send("{\"type\":\"cancel\",\"id\":\"gen_nothing" + i + "\"}");
      }
      socket.awaitFrame(f -> "rate_limited".equals(f.path("code").asText()));
      Gateway.await(
          "the socket to allow messages again",
          () -> {
            socket.send("{\"type\":\"cancel\",\"id\":\"gen_probe\"}");
            return socket.frames().stream()
                .anyMatch(
                    f ->
                        "gen_probe".equals(f.path("id").asText())
                            && "not_found".equals(f.path("code").asText()));
          });
    } finally {
      socket.close();
    }
  }

  @Test
  void aFullGatewayShedsNewStreamsWith503AndKeepsServingTheOnesItHas() {
    // At most 8 open streams in all, 3 per key: three keys reach the global limit first.
    List<SseReader> open = new ArrayList<>();
    List<String[]> owned = new ArrayList<>();
    HttpResponse.ResponseInfo shed = null;
    try {
      for (String who : List.of("alice", "bob", "dave")) {
        String id = create(who, slow()).get("id").asText();
        owned.add(new String[] {who, id});
        for (int i = 0; i < 3 && shed == null; i++) {
          SseReader reader = SseReader.open(gateway, id, "", 0, "Authorization", bearer(who));
          if (reader.response().statusCode() == 200) {
            open.add(reader);
          } else {
            shed = reader.response();
          }
        }
      }
      assertTrue(shed != null, "the gateway shed a stream");
      assertEquals(503, shed.statusCode());
      assertTrue(shed.headers().firstValue("Retry-After").isPresent());
      assertTrue(open.size() <= 8, open.size() + " streams open");
      SseReader kept = open.get(0);
      long before = kept.transcript().cursor();
      kept.awaitCursor(before + 2); // the streams it holds keep flowing
    } finally {
      for (String[] generation : owned) {
        gateway.send(
            gateway
                .request("api/generations/" + generation[1])
                .header("Authorization", bearer(generation[0]))
                .DELETE());
      }
      open.forEach(SseReader::awaitEnd);
    }
  }

  private static HttpResponse<String> firstDone(
      List<CompletableFuture<HttpResponse<String>>> futures) {
    return futures.stream().filter(CompletableFuture::isDone).findFirst().orElseThrow().join();
  }

  static Throwable handshakeFailure(java.util.concurrent.CompletableFuture<?> connecting) {
    try {
      connecting.get(30, TimeUnit.SECONDS);
      throw new AssertionError("the handshake was accepted");
    } catch (ExecutionException | CompletionException e) {
      return e.getCause();
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError(e);
    }
  }
}
