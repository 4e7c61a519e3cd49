package dev.streamgate.generation;

import static dev.streamgate.generation.FakeUpstream.chunk;
import static dev.streamgate.generation.FakeUpstream.cut;
import static dev.streamgate.generation.FakeUpstream.end;
import static dev.streamgate.generation.FakeUpstream.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.runtime.Settings;
import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.stream.Usage;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OpenAiGeneratorTest {

  private static final String CHUNK =
      "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
          + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":%s,\"finish_reason\":%s}]}";

  private Scheduling scheduling;
  private HttpClient http;

  @BeforeEach
  void start() {
    scheduling = new Scheduling(new Settings(Map.<String, String>of()::get));
    scheduling.start();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterEach
  void stop() {
    scheduling.stop();
  }

  private static String data(String delta, String finish) {
    return "data: " + String.format(CHUNK, delta, finish) + "\r\n\r\n";
  }

  private static final String TRACEPARENT =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private TokenStream generate(FakeUpstream upstream, Duration idle) {
    OpenAiGenerator generator =
        new OpenAiGenerator(
            new Upstream("llama", URI.create(upstream.baseUrl()), "meta/llama-3", "sk-secret"),
            http,
            scheduling.timers(),
            idle);
    TokenStream stream = new TokenStream("gen_test", "llama");
    generator.start(
        new GenerationRequest(
            "llama",
            List.of(new Message("user", "hi")),
            64,
            Simulation.DEFAULT,
            Map.of("temperature", 0.5),
            null,
            TraceContext.of(TRACEPARENT, "vendor=abc")),
        stream);
    return stream;
  }

  private static void awaitEnd(TokenStream stream) throws InterruptedException {
    CountDownLatch ended = new CountDownLatch(1);
    stream.addListener(
        () -> {
          if (stream.isEnded()) {
            ended.countDown();
          }
        });
    if (stream.isEnded()) {
      ended.countDown();
    }
    assertTrue(ended.await(30, TimeUnit.SECONDS), "the generation ends");
  }

  private static void awaitTokens(TokenStream stream, int tokens) throws InterruptedException {
    CountDownLatch seen = new CountDownLatch(1);
    stream.addListener(
        () -> {
          if (stream.lastSeq() >= tokens) {
            seen.countDown();
          }
        });
    if (stream.lastSeq() >= tokens) {
      seen.countDown();
    }
    assertTrue(seen.await(30, TimeUnit.SECONDS), tokens + " tokens arrive");
  }

  @Test
  void anUpstreamThatGivesNoUsageIsBilledByOurEstimateAndSaysSo() throws Exception {
    try (FakeUpstream upstream =
        new FakeUpstream(
            status(200, "text/event-stream"),
            chunk(data("{\"content\":\"Hello\"}", "null")),
            chunk(data("{\"content\":\" there\"}", "null")),
            chunk(data("{}", "\"stop\"")),
            chunk("data: [DONE]\r\n\r\n"),
            end())) {
      TokenStream stream = generate(upstream, Duration.ofSeconds(60));
      awaitEnd(stream);
      assertEquals("Hello there", stream.text());
      // "hi" is one word, plus 4 for the role framing; the completion is the two tokens we got.
      assertEquals(new Usage(5, 2, true), stream.usageSoFar());
    }
  }

  @Test
  void streamsTheTextAndUsageOfARecordedUpstreamByteForByte() throws Exception {
    try (FakeUpstream upstream =
        new FakeUpstream(
            status(200, "text/event-stream"),
            chunk(": keepalive\r\n\r\n"),
            chunk(data("{\"role\":\"assistant\",\"content\":\"\"}", "null")),
            chunk(data("{\"content\":\"Hello\"}", "null")),
            chunk(data("{\"content\":\", wor\"}", "null").substring(0, 40)),
            chunk(data("{\"content\":\", wor\"}", "null").substring(40)),
            chunk(data("{\"content\":\"ld — ünïcode\\n\"}", "null")),
            chunk(data("{}", "\"stop\"")),
            chunk(
                "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                    + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}\r\n\r\n"),
            chunk("data: [DONE]\r\n\r\n"),
            end())) {
      TokenStream stream = generate(upstream, Duration.ofSeconds(60));
      awaitEnd(stream);
      assertEquals("Hello, world — ünïcode\n", stream.text());
      assertEquals(FinishReason.STOP, stream.terminal().reason());
      assertEquals(new Usage(12, 3), stream.usage());

      String request = upstream.request.get(5, TimeUnit.SECONDS);
      assertTrue(request.startsWith("POST /v1/chat/completions HTTP/1.1\r\n"), request);
      assertTrue(request.contains("Authorization: Bearer sk-secret\r\n"), request);
      assertTrue(request.contains("\"model\":\"meta/llama-3\""), request);
      assertTrue(request.contains("\"temperature\":0.5"), request);
      assertTrue(request.contains("\"stream\":true"), request);
      assertTrue(request.contains("\"include_usage\":true"), request);
      assertTrue(request.contains("traceparent: " + TRACEPARENT + "\r\n"), request);
      assertTrue(request.contains("tracestate: vendor=abc\r\n"), request);
    }
  }

  @Test
  void cancellingMakesTheUpstreamSeeTheDisconnect() throws Exception {
    try (FakeUpstream upstream =
        new FakeUpstream(
            status(200, "text/event-stream"),
            chunk(data("{\"content\":\"one\"}", "null")),
            chunk(data("{\"content\":\" two\"}", "null")))) {
      TokenStream stream = generate(upstream, Duration.ofSeconds(60));
      awaitTokens(stream, 2);
      stream.cancel();
      // The upstream sends nothing more and would be cut only by the 60 s idle timeout: a close
      // seen within 20 s is the cancel's (no clock on a loaded machine comes near either bound).
      upstream.clientGoneNanos.get(20, TimeUnit.SECONDS);
      assertEquals("one two", stream.text());
      assertEquals(FinishReason.CANCELLED, stream.terminal().reason());
    }
  }

  @Test
  void aRefusedConnectionEndsWithUpstreamUnavailable() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    OpenAiGenerator generator =
        new OpenAiGenerator(
            new Upstream("gone", URI.create("http://127.0.0.1:" + closedPort + "/v1"), "m", null),
            http,
            scheduling.timers(),
            Duration.ofSeconds(60));
    TokenStream stream = new TokenStream("gen_test", "gone");
    generator.start(
        new GenerationRequest("gone", List.of(new Message("user", "hi")), 8, Simulation.DEFAULT),
        stream);
    awaitEnd(stream);
    assertEquals("upstream_unavailable", stream.terminal().errorCode());
    assertEquals(
        "The upstream for model 'gone' refused the connection.", stream.terminal().errorMessage());
  }

  /** Each error status maps to its own code, with the upstream's own message (JSON or text). */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "401, upstream_auth, Incorrect API key provided",
    "403, upstream_auth, Project does not have access",
    "404, upstream_not_found, The model does not exist",
    "429, upstream_rate_limited, Rate limit reached",
    "500, upstream_error, The server had an error",
    "503, upstream_error, Engine overloaded",
  })
  void anErrorStatusCarriesItsCodeAndTheUpstreamsOwnMessage(int status, String code, String message)
      throws Exception {
    try (FakeUpstream upstream =
        new FakeUpstream(
            status(status, "application/json"),
            chunk("{\"error\":{\"message\":\"" + message + "\",\"type\":\"x\"}}"),
            end())) {
      TokenStream stream = generate(upstream, Duration.ofSeconds(60));
      awaitEnd(stream);
      assertEquals(code, stream.terminal().errorCode());
      assertEquals(
          "The upstream for model 'llama' answered " + status + ": " + message,
          stream.terminal().errorMessage());
      assertEquals("", stream.text(), "no token from an error answer");
    }
  }

  @Test
  void aStreamCutMidwayKeepsItsTokensAndFails() throws Exception {
    try (FakeUpstream upstream =
        new FakeUpstream(
            status(200, "text/event-stream"),
            chunk(data("{\"content\":\"kept\"}", "null")),
            chunk(data("{\"content\":\" too\"}", "null")),
            cut())) {
      TokenStream stream = generate(upstream, Duration.ofSeconds(60));
      awaitEnd(stream);
      assertEquals("kept too", stream.text());
      assertEquals("upstream_disconnected", stream.terminal().errorCode());
    }
  }

  @Test
  void aStalledUpstreamTimesOutAndIsDisconnected() throws Exception {
    try (FakeUpstream upstream =
        new FakeUpstream(
            status(200, "text/event-stream"), chunk(data("{\"content\":\"only\"}", "null")))) {
      TokenStream stream = generate(upstream, Duration.ofMillis(300));
      awaitEnd(stream);
      assertEquals("only", stream.text());
      assertEquals("upstream_timeout", stream.terminal().errorCode());
      upstream.clientGoneNanos.get(10, TimeUnit.SECONDS); // and the connection was dropped
    }
  }

  @Test
  void aChunkThatIsNotJsonFails() throws Exception {
    try (FakeUpstream upstream =
        new FakeUpstream(
            status(200, "text/event-stream"),
            chunk(data("{\"content\":\"a\"}", "null")),
            chunk("data: {\"choices\":[{\"delta\"\r\n\r\n"))) {
      TokenStream stream = generate(upstream, Duration.ofSeconds(60));
      awaitEnd(stream);
      assertEquals("a", stream.text());
      assertEquals("upstream_malformed", stream.terminal().errorCode());
    }
  }

  @Test
  void anInBandErrorFailsWithItsMessage() throws Exception {
    try (FakeUpstream upstream =
        new FakeUpstream(
            status(200, "text/event-stream"),
            chunk(data("{\"content\":\"a\"}", "null")),
            chunk("data: {\"error\":{\"message\":\"model overloaded\",\"code\":503}}\r\n\r\n"),
            chunk("data: [DONE]\r\n\r\n"),
            end())) {
      TokenStream stream = generate(upstream, Duration.ofSeconds(60));
      awaitEnd(stream);
      assertEquals("upstream_error", stream.terminal().errorCode());
      assertEquals(
          "The upstream for model 'llama' failed mid-stream: model overloaded",
          stream.terminal().errorMessage());
    }
  }

  @Test
  void eventsAreReadAsTheSseSpecSaysMultiLineDataCommentsFieldsAndNoSpace() throws Exception {
    try (FakeUpstream upstream =
        new FakeUpstream(
            status(200, "text/event-stream"),
            chunk(":ping\n\nid: 7\nretry: 1000\nevent: message\n"),
            chunk("data:" + String.format(CHUNK, "{\"content\":\"one \"}", "null") + "\n\n"),
            chunk("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\n"),
            chunk("data: \"choices\":[{\"index\":0,\"delta\":{\"content\":\"two\"},\n"),
            chunk("data: \"finish_reason\":null}]}\r\n\r\n"),
            chunk("event: ping\ndata: {\"content\":\"not a chunk\"}\n\n"),
            chunk(data("{}", "\"length\"")),
            chunk("data: [DONE]"), // no blank line before the end: still read
            end())) {
      TokenStream stream = generate(upstream, Duration.ofSeconds(60));
      awaitEnd(stream);
      assertEquals("one two", stream.text());
      assertEquals(List.of("one ", "two"), stream.read(0, 10).texts());
      assertEquals(FinishReason.LENGTH, stream.terminal().reason());
    }
  }

  @Test
  void anErrorEventFailsWithTheUpstreamsMessage() throws Exception {
    try (FakeUpstream upstream =
        new FakeUpstream(
            status(200, "text/event-stream"),
            chunk(data("{\"content\":\"a\"}", "null")),
            chunk("event: error\ndata: {\"error\":{\"message\":\"KV cache full\"}}\n\n"),
            chunk("data: [DONE]\n\n"),
            end())) {
      TokenStream stream = generate(upstream, Duration.ofSeconds(60));
      awaitEnd(stream);
      assertEquals("a", stream.text());
      assertEquals("upstream_error", stream.terminal().errorCode());
      assertEquals(
          "The upstream for model 'llama' failed mid-stream: KV cache full",
          stream.terminal().errorMessage());
    }
  }

  @Test
  void aStreamThatEndsWithoutFinishingFails() throws Exception {
    try (FakeUpstream upstream =
        new FakeUpstream(
            status(200, "text/event-stream"),
            chunk(data("{\"content\":\"half\"}", "null")),
            end())) {
      TokenStream stream = generate(upstream, Duration.ofSeconds(60));
      awaitEnd(stream);
      assertEquals("half", stream.text());
      assertEquals("upstream_disconnected", stream.terminal().errorCode());
    }
  }
}
