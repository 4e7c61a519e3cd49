package dev.streamgate.generation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.stream.Usage;
import io.micrometer.core.instrument.Metrics;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Streams from an OpenAI-compatible server (vLLM, Ollama, llama.cpp, TGI, OpenAI) with {@code
 * "stream":true}. Cancelling the stream cancels the HTTP exchange, which closes the connection: the
 * upstream sees the client go and stops generating.
 */
public final class OpenAiGenerator implements Generator {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Upstream upstream;
  private final HttpClient http;
  private final ScheduledExecutorService timers;
  private final Duration idleTimeout;

  public OpenAiGenerator(
      Upstream upstream, HttpClient http, ScheduledExecutorService timers, Duration idleTimeout) {
    this.upstream = upstream;
    this.http = http;
    this.timers = timers;
    this.idleTimeout = idleTimeout;
  }

  @Override
  public void start(GenerationRequest request, TokenStream stream) {
    // Until the upstream's own count comes (it is asked for), and if it never does: our estimate.
    stream.reportUsage(new Usage(request.estimatedPromptTokens(), 0, true));
    HttpRequest.Builder call =
        HttpRequest.newBuilder(upstream.chatCompletions())
            .header("Content-Type", "application/json")
            .header("Accept", "text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body(request)));
    if (request.trace().traceparent() != null) {
      call.header("traceparent", request.trace().traceparent());
      if (request.trace().tracestate() != null) {
        call.header("tracestate", request.trace().tracestate());
      }
    }
    if (upstream.apiKey() != null) {
      call.header("Authorization", "Bearer " + upstream.apiKey());
    }
    UpstreamReader reader = new UpstreamReader(upstream.name(), stream, timers, idleTimeout);
    stream.onCancel(reader::cancel);
    long sent = System.nanoTime();
    reader.started(
        http.sendAsync(
            call.build(),
            info -> {
              // The upstream's answer time, in Micrometer's global registry (GET /metrics).
              Metrics.timer("streamgate.upstream.request", "model", upstream.name())
                  .record(System.nanoTime() - sent, TimeUnit.NANOSECONDS);
              return HttpResponse.BodySubscribers.fromLineSubscriber(
                  reader.forStatus(info.statusCode()),
                  ignored -> null,
                  StandardCharsets.UTF_8,
                  null);
            }));
  }

  /** The upstream request: the client's messages and options, our model name for it, streamed. */
  byte[] body(GenerationRequest request) {
    ObjectNode body = JSON.createObjectNode();
    request.options().forEach((name, value) -> body.set(name, JSON.valueToTree(value)));
    body.put("model", upstream.model());
    ArrayNode messages = body.putArray("messages");
    request
        .messages()
        .forEach(m -> messages.addObject().put("role", m.role()).put("content", m.content()));
    body.put("max_tokens", request.maxTokens());
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    try {
      return JSON.writeValueAsBytes(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the upstream request", e);
    }
  }

  static JsonNode parse(String json) throws com.fasterxml.jackson.core.JsonProcessingException {
    return JSON.readTree(json);
  }
}
