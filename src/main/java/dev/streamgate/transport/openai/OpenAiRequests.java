package dev.streamgate.transport.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamgate.generation.GenerationRequest;
import dev.streamgate.generation.GenerationRequests;
import dev.streamgate.generation.InvalidRequestException;
import dev.streamgate.generation.TraceContext;
import dev.streamgate.web.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an OpenAI chat-completion request into a generation request. Unknown fields are ignored
 * (clients send many); sampling settings are kept for an upstream model.
 */
final class OpenAiRequests {

  /** A chat-completion request: what to generate, and how the client wants it. */
  record ChatRequest(GenerationRequest generation, boolean stream, boolean includeUsage) {}

  private static final List<String> PASSED_ON =
      List.of(
          "temperature",
          "top_p",
          "stop",
          "seed",
          "presence_penalty",
          "frequency_penalty",
          "logit_bias",
          "user",
          "response_format",
          "tools",
          "tool_choice");

  private OpenAiRequests() {}

  static ChatRequest read(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw invalid(null, "The request body must be a JSON object.");
    }
    JsonNode n = body.get("n");
    if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asInt() == 1)) {
      throw invalid("n", "Only n=1 is supported.");
    }
    ObjectNode normalized = Json.MAPPER.createObjectNode();
    copy(body, normalized, "model", "model");
    copy(body, normalized, "simulation", "simulation");
    JsonNode maxTokens =
        body.hasNonNull("max_completion_tokens")
            ? body.get("max_completion_tokens")
            : body.get("max_tokens");
    if (maxTokens != null) {
      normalized.set("max_tokens", maxTokens);
    }
    normalized.set("messages", messages(body.get("messages")));
    GenerationRequest parsed = GenerationRequests.fromJson(normalized);
    Map<String, Object> options = new LinkedHashMap<>();
    for (String field : PASSED_ON) {
      if (body.hasNonNull(field)) {
        options.put(field, body.get(field));
      }
    }
    GenerationRequest generation =
        new GenerationRequest(
            parsed.model(),
            parsed.messages(),
            parsed.maxTokens(),
            parsed.simulation(),
            Map.copyOf(options),
            GenerationRequests.onDisconnect(body.get("on_disconnect")),
            TraceContext.NONE);
    boolean stream = flag(body, "stream");
    boolean includeUsage = stream && flag(body.path("stream_options"), "include_usage");
    return new ChatRequest(generation, stream, includeUsage);
  }

  /** OpenAI allows content as text parts and a {@code developer} role; we keep it to text. */
  private static JsonNode messages(JsonNode messages) {
    if (messages == null || !messages.isArray()) {
      return messages; // validated, with the usual message, by GenerationRequests
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (JsonNode message : messages) {
      if (!message.isObject()) {
        out.add(message);
        continue;
      }
      ObjectNode copy = ((ObjectNode) message).deepCopy();
      if ("developer".equals(message.path("role").asText())) {
        copy.put("role", "system");
      }
      JsonNode content = message.get("content");
      if (content != null && content.isArray()) {
        StringBuilder text = new StringBuilder();
        content.forEach(part -> text.append(part.path("text").asText("")));
        copy.put("content", text.toString());
      } else if (content == null || content.isNull()) {
        copy.put("content", ""); // an assistant turn that only called tools
      }
      out.add(copy);
    }
    return out;
  }

  private static void copy(JsonNode from, ObjectNode to, String field, String as) {
    JsonNode value = from.get(field);
    if (value != null) {
      to.set(as, value);
    }
  }

  private static boolean flag(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw invalid(field, field + " must be true or false.");
    }
    return value.asBoolean();
  }

  private static InvalidRequestException invalid(String param, String message) {
    return new InvalidRequestException("invalid_request", param, message);
  }
}
