package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1} speaks OpenAI's wire format well enough for clients no one here wrote: the official
 * Java SDK, LangChain4j, and a raw okhttp-sse reader that resumes with Last-Event-ID.
 */
class OpenAiIT extends DeployedGateway {

  private static final Map<String, Object> FAST =
      Map.of("ttft_ms", 20, "tokens_per_second", 200, "seed", 3, "length", 30);

  private OpenAIClient sdk() {
    return OpenAIOkHttpClient.builder()
        .baseUrl(gateway.uri("v1").toString())
        .apiKey("not-needed-when-open")
        .maxRetries(0)
        .build();
  }

  private static ChatCompletionCreateParams.Builder params(String prompt) {
    return ChatCompletionCreateParams.builder()
        .model("simulated")
        .addUserMessage(prompt)
        .maxCompletionTokens(20)
        .putAdditionalBodyProperty("simulation", JsonValue.from(FAST));
  }

  private static String generationOf(String completionId) {
    return completionId.substring("chatcmpl-".length());
  }

  @Test
  void theOfficialSdkGetsACompletionWithUsage() {
    ChatCompletion completion = sdk().chat().completions().create(params("Explain SDKs").build());
    JsonNode status = gateway.status(generationOf(completion.id()));
    assertEquals(
        status.get("text").asText(), completion.choices().get(0).message().content().orElseThrow());
    assertEquals("length", completion.choices().get(0).finishReason().asString());
    var usage = completion.usage().orElseThrow();
    assertEquals(20, usage.completionTokens());
    assertEquals(6, usage.promptTokens(), "4 for the role framing and 2 words");
  }

  @Test
  void theOfficialSdkStreamsTheSameTextAndUsage() {
    StringBuilder text = new StringBuilder();
    List<String> ids = new CopyOnWriteArrayList<>();
    long[] completionTokens = {-1};
    ChatCompletionCreateParams request =
        params("Explain streaming")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .build();
    try (StreamResponse<ChatCompletionChunk> stream =
        sdk().chat().completions().createStreaming(request)) {
      stream.stream()
          .forEach(
              chunk -> {
                ids.add(chunk.id());
                chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(usage -> completionTokens[0] = usage.completionTokens());
              });
    }
    assertEquals(1, ids.stream().distinct().count(), "every chunk has the same id");
    JsonNode status = gateway.status(generationOf(ids.get(0)));
    assertEquals(status.get("text").asText(), text.toString());
    assertEquals(20, completionTokens[0]);
  }

  /** 400 tokens at 20 a second: still running long after the client has gone. */
  private static final Map<String, Object> SLOW =
      Map.of("ttft_ms", 20, "tokens_per_second", 20, "seed", 5, "length", 400);

  /** Reads five chunks with the SDK, then aborts as an SDK user does; returns the generation. */
  private String abortAfterFiveChunks(ChatCompletionCreateParams request) {
    List<String> ids = new CopyOnWriteArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        sdk().chat().completions().createStreaming(request)) {
      stream.stream().limit(5).forEach(chunk -> ids.add(chunk.id()));
    }
    assertEquals(5, ids.size());
    return generationOf(ids.get(0));
  }

  @Test
  void anSdkThatAbortsCancelsTheGenerationAfterTheGrace() {
    String id =
        abortAfterFiveChunks(
            params("Explain aborting")
                .maxCompletionTokens(400)
                .putAdditionalBodyProperty("simulation", JsonValue.from(SLOW))
                .build());
    assertEquals("cancel", gateway.status(id).get("on_disconnect").asText());

    JsonNode status = gateway.awaitEnded(id);
    assertEquals("cancelled", status.get("state").asText(), status.toString());
    assertEquals("cancelled", status.get("finish_reason").asText());
    assertEquals("disconnect", status.get("cancelled_by").asText());
    assertTrue(status.get("tokens").asLong() < 400, status.toString());
  }

  /**
   * With {@code keep} the grace does not apply: unread, it waits for the orphan timeout, as a
   * resuming client needs (the test gateways' grace is 2 s, their orphan timeout 4 s).
   */
  @Test
  void onDisconnectKeepWaitsForTheOrphanTimeoutInstead() {
    String id =
        abortAfterFiveChunks(
            params("Explain keeping")
                .maxCompletionTokens(400)
                .putAdditionalBodyProperty("simulation", JsonValue.from(SLOW))
                .putAdditionalBodyProperty("on_disconnect", JsonValue.from("keep"))
                .build());
    assertEquals("keep", gateway.status(id).get("on_disconnect").asText());

    JsonNode status = gateway.awaitEnded(id);
    assertEquals("cancelled", status.get("state").asText(), status.toString());
    assertEquals("orphan_timeout", status.get("cancelled_by").asText());
  }

  @Test
  void aCancelledStreamStillEndsWithItsUsageWhenAskedFor() throws Exception {
    ObjectNode body = Gateway.simulated("Explain billing").length(400).tokensPerSecond(20).json();
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    HttpResponse<java.util.stream.Stream<String>> response =
        Gateway.HTTP.send(
            gateway
                .request("v1/chat/completions")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, response.statusCode());
    String id = response.headers().firstValue("X-StreamGate-Generation").orElseThrow();
    List<String> data = new java.util.ArrayList<>();
    try (var lines = response.body()) {
      var it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (!line.startsWith("data: ")) {
          continue;
        }
        data.add(line.substring(6));
        if (data.size() == 3) {
          assertEquals(200, gateway.delete("api/generations/" + id).statusCode());
        }
      }
    }
    JsonNode status = gateway.status(id);
    long tokens = status.get("tokens").asLong();
    int n = data.size();
    assertEquals("[DONE]", data.get(n - 1));
    assertEquals("cancelled", Gateway.json(data.get(n - 3)).path("error").path("code").asText());
    JsonNode usage = Gateway.json(data.get(n - 2)).get("usage");
    assertEquals(tokens, usage.get("completion_tokens").asLong(), data.get(n - 2));
    assertEquals(6, usage.get("prompt_tokens").asLong(), "2 words + 4 for the role framing");
    assertEquals(status.get("usage").get("total_tokens"), usage.get("total_tokens"));
  }

  @Test
  void aBadOnDisconnectIsRefusedByField() {
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            com.openai.errors.BadRequestException.class,
            () ->
                sdk()
                    .chat()
                    .completions()
                    .create(
                        params("x")
                            .putAdditionalBodyProperty("on_disconnect", JsonValue.from("later"))
                            .build()));
    assertEquals(400, e.statusCode());
    assertEquals("invalid_request", e.code().orElse(null));
    assertEquals("on_disconnect", e.param().orElse(null));
    assertTrue(
        e.getMessage().contains("on_disconnect must be \"cancel\" or \"keep\"."), e.getMessage());
  }

  @Test
  void everyAnswerConformsToOpenAisPublishedSchemas() throws Exception {
    ObjectNode request =
        Gateway.simulated("Explain schemas").length(12).tokensPerSecond(500).json();
    request.put("model", "simulated");
    HttpResponse<String> completion = gateway.post("v1/chat/completions", request.toString());
    assertEquals(200, completion.statusCode(), completion.body());
    OpenAiSchemas.assertConforms("CreateChatCompletionResponse", completion.body());

    request.put("stream", true);
    request.putObject("stream_options").put("include_usage", true);
    HttpResponse<String> stream = gateway.post("v1/chat/completions", request.toString());
    assertEquals(200, stream.statusCode(), stream.body());
    StringBuilder text = new StringBuilder();
    JsonNode last = null;
    for (String line : stream.body().split("\n")) {
      if (line.startsWith("data: {")) {
        OpenAiSchemas.assertConforms("CreateChatCompletionStreamResponse", line.substring(6));
        text.append(content(line.substring(6)));
        last = Gateway.json(line.substring(6));
      }
    }
    String id = stream.headers().firstValue("X-StreamGate-Generation").orElseThrow();
    assertEquals(gateway.status(id).get("text").asText(), text.toString());
    assertEquals(12, last.path("usage").path("completion_tokens").asLong(), stream.body());

    HttpResponse<String> models = gateway.get("v1/models");
    OpenAiSchemas.assertConforms("ListModelsResponse", models.body());
    HttpResponse<String> unknown =
        gateway.post("v1/chat/completions", request.put("model", "gpt-nope").toString());
    assertEquals(404, unknown.statusCode());
    OpenAiSchemas.assertConforms("ErrorResponse", unknown.body());

    // The check itself bites: the message without its "refusal" is what OpenAI's schema refuses.
    ObjectNode withoutRefusal = (ObjectNode) Gateway.json(completion.body());
    ((ObjectNode) withoutRefusal.path("choices").path(0).path("message")).remove("refusal");
    assertTrue(
        OpenAiSchemas.errors("CreateChatCompletionResponse", withoutRefusal.toString()).stream()
            .anyMatch(e -> e.contains("refusal")),
        "the schema requires refusal");
  }

  @Test
  void anUnknownModelRaisesTheSdksNotFoundException() {
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            NotFoundException.class,
            () -> sdk().chat().completions().create(params("x").model("gpt-nope").build()));
    assertTrue(
        e.getMessage().contains("model_not_found") || e.getMessage().contains("Unknown model"),
        e.getMessage());
  }

  @Test
  void langChain4jStreamsACompletion() {
    OpenAiStreamingChatModel model =
        OpenAiStreamingChatModel.builder()
            .baseUrl(gateway.uri("v1").toString())
            .apiKey("not-needed-when-open")
            .modelName("simulated")
            .maxTokens(15)
            .build();
    StringBuilder partial = new StringBuilder();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    model.chat(
        "Explain frameworks",
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String token) {
            partial.append(token);
          }

          @Override
          public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
    ChatResponse response = Gateway.await(done);
    JsonNode status = gateway.status(generationOf(response.id()));
    assertEquals(status.get("text").asText(), partial.toString());
    assertEquals(partial.toString(), response.aiMessage().text());
  }

  @Test
  void okhttpSseResumesTheOpenAiStreamAfterLastEventId() {
    OkHttpClient client = new OkHttpClient();
    ObjectNode body = Gateway.simulated("Explain resuming").length(30).tokensPerSecond(100).json();
    body.put("stream", true);
    Request start =
        new Request.Builder()
            .url(gateway.uri("v1/chat/completions").toString())
            .post(RequestBody.create(body.toString(), MediaType.get("application/json")))
            .build();

    StringBuilder firstPart = new StringBuilder();
    CompletableFuture<String> stopped = new CompletableFuture<>(); // the last event id we kept
    CompletableFuture<String> generation = new CompletableFuture<>();
    EventSources.createFactory(client)
        .newEventSource(
            start,
            new EventSourceListener() {
              @Override
              public void onOpen(EventSource source, Response response) {
                generation.complete(response.header("X-StreamGate-Generation"));
              }

              @Override
              public void onEvent(EventSource source, String id, String type, String data) {
                firstPart.append(content(data));
                if (Long.parseLong(id) >= 5 && !stopped.isDone()) {
                  stopped.complete(id);
                  source.cancel(); // the client drops mid-stream
                }
              }

              @Override
              public void onFailure(EventSource source, Throwable t, Response response) {
                stopped.completeExceptionally(t == null ? new IllegalStateException("failed") : t);
              }
            });
    String lastEventId = Gateway.await(stopped);
    String id = Gateway.await(generation);

    HttpResponse<String> rest =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("v1/chat/completions/chatcmpl-" + id))
                .header("Accept", "text/event-stream")
                .header("Last-Event-ID", lastEventId));
    assertEquals(200, rest.statusCode(), rest.body());
    StringBuilder secondPart = new StringBuilder();
    boolean sawDone = false;
    for (String line : rest.body().split("\n")) {
      if (line.equals("data: [DONE]")) {
        sawDone = true;
      } else if (line.startsWith("data: ")) {
        secondPart.append(content(line.substring(6)));
      }
    }
    assertTrue(sawDone, rest.body());
    JsonNode status = gateway.status(id);
    assertEquals(status.get("text").asText(), firstPart + secondPart.toString());
    // It resumed within the disconnect grace: the generation ran to its end, not cancelled.
    assertEquals("completed", status.get("state").asText(), status.toString());
    assertEquals("cancel", status.get("on_disconnect").asText());
  }

  /**
   * A finished generation, read again by id: as one completion when the client does not ask for
   * events (no Accept), and as a stream with its usage chunk when it asks with include_usage.
   */
  @Test
  void aGenerationIsReadAgainByIdAsACompletionOrAStreamWithUsage() {
    String id = gateway.createGeneration(Gateway.simulated("read me again").length(12));
    JsonNode status = gateway.awaitEnded(id);
    String text = status.get("text").asText();

    HttpResponse<String> whole =
        gateway.send(HttpRequest.newBuilder(gateway.uri("v1/chat/completions/chatcmpl-" + id)));
    assertEquals(200, whole.statusCode(), whole.body());
    OpenAiSchemas.assertConforms("CreateChatCompletionResponse", whole.body());
    JsonNode completion = Gateway.json(whole.body());
    assertEquals("chatcmpl-" + id, completion.get("id").asText());
    assertEquals(text, completion.at("/choices/0/message/content").asText());
    assertEquals("stop", completion.at("/choices/0/finish_reason").asText());

    HttpResponse<String> streamed =
        gateway.send(
            HttpRequest.newBuilder(
                    gateway.uri("v1/chat/completions/chatcmpl-" + id + "?include_usage=true"))
                .header("Accept", "text/event-stream"));
    assertEquals(200, streamed.statusCode(), streamed.body());
    StringBuilder reassembled = new StringBuilder();
    JsonNode usage = null;
    List<String> data =
        streamed
            .body()
            .lines()
            .filter(l -> l.startsWith("data: "))
            .map(l -> l.substring(6))
            .toList();
    assertEquals("[DONE]", data.get(data.size() - 1));
    for (String chunk : data.subList(0, data.size() - 1)) {
      OpenAiSchemas.assertConforms("CreateChatCompletionStreamResponse", chunk);
      JsonNode json = Gateway.json(chunk);
      reassembled.append(content(chunk));
      if (json.hasNonNull("usage")) {
        usage = json.get("usage");
        assertEquals(0, json.get("choices").size(), "the usage chunk has no choices");
      }
    }
    assertEquals(text, reassembled.toString());
    assertTrue(usage != null, "a usage chunk, as include_usage asks: " + streamed.body());
    assertEquals(status.at("/usage/prompt_tokens").asLong(), usage.get("prompt_tokens").asLong());
    assertEquals(12, usage.get("completion_tokens").asLong());
    assertEquals(status.at("/usage/total_tokens").asLong(), usage.get("total_tokens").asLong());
  }

  private static String content(String data) {
    JsonNode chunk = Gateway.json(data);
    return chunk.path("choices").path(0).path("delta").path("content").asText("");
  }

  @Test
  void streamGateChainedToItselfStreamsEndToEnd() {
    // The "chained" model is this same gateway's /v1, configured in the failsafe settings.
    ObjectNode chained = Gateway.simulated("Explain chaining").maxTokens(12).json();
    chained.put("model", "chained");
    HttpResponse<String> created = gateway.post("api/generations", chained.toString());
    assertEquals(201, created.statusCode(), created.body());
    JsonNode end = gateway.awaitEnded(Gateway.json(created.body()).get("id").asText());
    assertEquals("completed", end.get("state").asText(), end.toString());

    // The upstream ran the simulated model with its defaults: the same text, token for token.
    ObjectNode direct = Gateway.JSON.createObjectNode();
    direct.put("model", "simulated").put("max_tokens", 12);
    direct.putArray("messages").addObject().put("role", "user").put("content", "Explain chaining");
    direct.putObject("simulation").put("ttft_ms", 0).put("tokens_per_second", 1000);
    HttpResponse<String> reference = gateway.post("api/generations", direct.toString());
    JsonNode expected = gateway.awaitEnded(Gateway.json(reference.body()).get("id").asText());
    assertEquals(expected.get("text").asText(), end.get("text").asText());
    // Chunks are not tokens: a chained gateway coalesces when it lags, so only the text is exact.
    assertEquals("length", end.get("finish_reason").asText());
  }
}
