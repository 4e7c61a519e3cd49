package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * The deployed gateway as a test sees it over HTTP ({@code java.net.http}): create, inspect and
 * cancel generations, long-poll one to its end, and check problem bodies.
 */
final class Gateway {

  /** Upper bound for anything a test waits for; generous for a loaded 2-core machine. */
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  static final ObjectMapper JSON = new ObjectMapper();

  /** One client for every test: HTTP/1.1, as SSE clients and proxies mostly speak it. */
  static final HttpClient HTTP = http11();

  /** A client of its own (its own connection pool), set up as {@link #HTTP} is. */
  static HttpClient http11() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private final URI base;
  private final HttpClient client;

  Gateway(URL base) {
    this(base, HTTP);
  }

  /** The gateway at {@code base} through {@code client} (e.g. one that speaks HTTP/2). */
  Gateway(URL base, HttpClient client) {
    this.base = URI.create(base.toString().endsWith("/") ? base.toString() : base + "/");
    this.client = client;
  }

  HttpClient client() {
    return client;
  }

  URI uri(String path) {
    return base.resolve(path.startsWith("/") ? path.substring(1) : path);
  }

  /** The same path on the WebSocket scheme. */
  URI wsUri(String path) {
    return URI.create(uri(path).toString().replaceFirst("^http", "ws"));
  }

  // ---- generations --------------------------------------------------------------------------

  /** A request for the simulated model that finishes in well under a second by default. */
  static Spec simulated(String prompt) {
    return new Spec(prompt);
  }

  /**
   * A request whose first 40 tokens (seed 7) hold a paragraph break and non-ASCII text, so an
   * exact-text test also proves that line breaks and "—"/"ï" survive the transport.
   */
  static Spec richText() {
    return simulated("tell me about streams");
  }

  /** Guards {@link #richText()}: fails if the text stopped carrying what the test relies on. */
  static String assertRich(String text) {
    assertTrue(
        text.contains("\n\n") && text.chars().anyMatch(c -> c > 127),
        "expected a paragraph break and non-ASCII in: " + text);
    return text;
  }

  /** POSTs the request, checks the 201, and returns the new generation's id. */
  String createGeneration(Spec spec) {
    HttpResponse<String> created = post("api/generations", spec.toString());
    assertEquals(201, created.statusCode(), created.body());
    return json(created.body()).get("id").asText();
  }

  JsonNode status(String id, String... headers) {
    HttpResponse<String> response = get("api/generations/" + id, headers);
    assertEquals(200, response.statusCode(), response.body());
    return json(response.body());
  }

  /** The status once the generation has ended (completed, cancelled or failed). */
  JsonNode awaitEnded(String id) {
    return awaitEnded(id, null);
  }

  /** The same, asking with the {@code Authorization} value given (null for none). */
  JsonNode awaitEnded(String id, String authorization) {
    String[] headers =
        authorization == null ? new String[0] : new String[] {"Authorization", authorization};
    JsonNode[] last = new JsonNode[1];
    await(
        "generation " + id + " to end",
        () -> {
          last[0] = status(id, headers);
          return !"running".equals(last[0].get("state").asText());
        });
    return last[0];
  }

  JsonNode cancel(String id) {
    HttpResponse<String> response = delete("api/generations/" + id);
    assertEquals(200, response.statusCode(), response.body());
    return json(response.body());
  }

  // ---- long polling -------------------------------------------------------------------------

  HttpResponse<String> poll(String id, String query) {
    return get("api/generations/" + id + "/poll?" + query);
  }

  /** One poll that answers at once ({@code wait=0}): the tokens after {@code after} so far. */
  Transcript pollOnce(String id, long after) {
    HttpResponse<String> response = poll(id, "after=" + after + "&wait=0");
    assertEquals(200, response.statusCode(), response.body());
    Transcript transcript = new Transcript(after);
    append(transcript, json(response.body()));
    return transcript;
  }

  /** A client long-polling from {@code after} until the generation ends. */
  Polling pollToEnd(String id, long after) {
    Polling polling = new Polling(new Transcript(after));
    pollNext(id, polling);
    return polling;
  }

  /** A running poll loop: what it has so far, and the last answer (done:true) at the end. */
  record Polling(Transcript transcript, CompletableFuture<JsonNode> end) {
    Polling(Transcript transcript) {
      this(transcript, new CompletableFuture<>());
    }
  }

  private void pollNext(String id, Polling polling) {
    String query = "after=" + polling.transcript().cursor() + "&wait=20";
    client
        .sendAsync(
            request("api/generations/" + id + "/poll?" + query).build(),
            HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (response, failure) -> {
              try {
                if (failure != null) {
                  throw failure;
                }
                assertEquals(200, response.statusCode(), response.body());
                JsonNode body = json(response.body());
                append(polling.transcript(), body);
                if (body.get("done").asBoolean()) {
                  polling.end().complete(body);
                } else {
                  pollNext(id, polling);
                }
              } catch (Throwable t) {
                polling.end().completeExceptionally(t);
              }
            });
  }

  /** Adds a poll answer's tokens; its {@code last_seq} must be the new cursor. */
  private static void append(Transcript transcript, JsonNode answer) {
    for (JsonNode token : answer.get("tokens")) {
      long seq = token.get("seq").asLong();
      transcript.append(seq, seq, token.get("text").asText());
    }
    assertEquals(transcript.cursor(), answer.get("last_seq").asLong(), answer::toString);
  }

  // ---- plain HTTP ---------------------------------------------------------------------------

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT);
  }

  HttpResponse<String> get(String path, String... headers) {
    HttpRequest.Builder request = request(path).GET();
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return send(request);
  }

  /** A JSON POST, with header pairs (name, value) after it, e.g. an {@code Authorization}. */
  HttpResponse<String> post(String path, String body, String... headers) {
    HttpRequest.Builder request = request(path).header("Content-Type", "application/json");
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return send(request.POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> delete(String path) {
    return send(request(path).DELETE());
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---- assertions and helpers ---------------------------------------------------------------

  /** Checks an RFC 9457 answer: exact status, media type, stable type URN and code. */
  static JsonNode assertProblem(HttpResponse<String> response, int status, String code) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals(
        "application/problem+json",
        response.headers().firstValue("Content-Type").orElse("").split(";")[0].trim(),
        response.body());
    JsonNode problem = json(response.body());
    assertEquals(code, problem.path("code").asText(), response.body());
    assertEquals(status, problem.path("status").asInt(), response.body());
    assertEquals(
        "urn:streamgate:problem:" + code.replace('_', '-'),
        problem.path("type").asText(),
        response.body());
    assertFalse(problem.path("title").asText().isBlank(), response.body());
    assertFalse(problem.path("detail").asText().isBlank(), response.body());
    return problem;
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  /** The future's value, failing after {@link #TIMEOUT}. */
  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("timed out after " + TIMEOUT.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Polls {@code condition} every 10 ms until it holds, failing after {@link #TIMEOUT}. */
  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + TIMEOUT.toSeconds() + " s waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** A generation request for the simulated model: fast (20 ms to the first token, 200/s). */
  static final class Spec {
    private final ObjectNode body = JSON.createObjectNode();
    private final ObjectNode simulation;

    private Spec(String prompt) {
      body.put("model", "simulated");
      body.putArray("messages").addObject().put("role", "user").put("content", prompt);
      simulation = body.putObject("simulation");
      simulation.put("ttft_ms", 20).put("tokens_per_second", 200).put("seed", 7).put("length", 40);
    }

    Spec length(int tokens) {
      simulation.put("length", tokens);
      return this;
    }

    Spec tokensPerSecond(int rate) {
      simulation.put("tokens_per_second", rate);
      return this;
    }

    Spec ttftMs(int millis) {
      simulation.put("ttft_ms", millis);
      return this;
    }

    Spec seed(long seed) {
      simulation.put("seed", seed);
      return this;
    }

    Spec failAfter(int tokens) {
      simulation.put("fail_after", tokens);
      return this;
    }

    Spec topicMax(int chars) {
      simulation.put("topic_max", chars);
      return this;
    }

    Spec maxTokens(int tokens) {
      body.put("max_tokens", tokens);
      return this;
    }

    ObjectNode json() {
      return body.deepCopy();
    }

    @Override
    public String toString() {
      return body.toString();
    }
  }
}
