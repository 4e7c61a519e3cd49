package dev.streamgate.generation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamgate.stream.OnDisconnect;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a generation request from JSON and says precisely what is wrong with a bad one. Unknown
 * fields are ignored, so clients may send more than we read.
 */
public final class GenerationRequests {

  private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

  private GenerationRequests() {}

  public static GenerationRequest fromJson(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw invalid(null, "The request body must be a JSON object.");
    }
    String model = text(body, "model", GenerationRequest.DEFAULT_MODEL);
    List<Message> messages = messages(body.get("messages"));
    int maxTokens =
        (int)
            whole(
                body,
                "max_tokens",
                GenerationRequest.DEFAULT_MAX_TOKENS,
                1,
                GenerationRequest.MAX_TOKENS_LIMIT);
    return new GenerationRequest(
        model,
        messages,
        maxTokens,
        simulation(body.get("simulation")),
        java.util.Map.of(),
        onDisconnect(body.get("on_disconnect")),
        TraceContext.NONE);
  }

  /** {@code "cancel"} or {@code "keep"}; absent is null, the endpoint's default. */
  public static OnDisconnect onDisconnect(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    OnDisconnect policy = node.isTextual() ? OnDisconnect.ofWire(node.asText()) : null;
    if (policy == null) {
      throw invalid("on_disconnect", "on_disconnect must be \"cancel\" or \"keep\".");
    }
    return policy;
  }

  private static List<Message> messages(JsonNode node) {
    if (node == null || node.isNull()) {
      throw invalid("messages", "messages is required: a non-empty array of {role, content}.");
    }
    if (!node.isArray() || node.isEmpty()) {
      throw invalid("messages", "messages must be a non-empty array of {role, content}.");
    }
    List<Message> messages = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      JsonNode message = node.get(i);
      String at = "messages[" + i + "]";
      if (!message.isObject()) {
        throw invalid(at, at + " must be an object with role and content.");
      }
      JsonNode role = message.get("role");
      if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
        throw invalid(
            at + ".role",
            at
                + ".role must be one of "
                + String.join(", ", ROLES.stream().sorted().toList())
                + ".");
      }
      JsonNode content = message.get("content");
      if (content == null || !content.isTextual()) {
        throw invalid(at + ".content", at + ".content must be a string.");
      }
      messages.add(new Message(role.asText(), content.asText()));
    }
    return List.copyOf(messages);
  }

  private static Simulation simulation(JsonNode node) {
    Simulation d = Simulation.DEFAULT;
    if (node == null || node.isNull()) {
      return d;
    }
    if (!node.isObject()) {
      throw invalid("simulation", "simulation must be an object.");
    }
    return new Simulation(
        whole(node, "ttft_ms", d.ttftMs(), 0, 60_000, "simulation."),
        rate(node, d.tokensPerSecond()),
        whole(node, "seed", d.seed(), Long.MIN_VALUE, Long.MAX_VALUE, "simulation."),
        (int) whole(node, "length", 0, 1, GenerationRequest.MAX_TOKENS_LIMIT, "simulation."),
        (int) whole(node, "fail_after", 0, 1, GenerationRequest.MAX_TOKENS_LIMIT, "simulation."),
        (int) whole(node, "topic_max", d.topicMax(), 1, Simulation.TOPIC_MAX_LIMIT, "simulation."));
  }

  private static double rate(JsonNode node, double fallback) {
    JsonNode value = node.get("tokens_per_second");
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isNumber() || !(value.asDouble() >= 0.1 && value.asDouble() <= 10_000)) {
      throw invalid(
          "simulation.tokens_per_second",
          "simulation.tokens_per_second must be a number from 0.1 to 10000.");
    }
    return value.asDouble();
  }

  private static String text(JsonNode body, String field, String fallback) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isTextual() || value.asText().isBlank()) {
      throw invalid(field, field + " must be a non-empty string.");
    }
    return value.asText();
  }

  private static long whole(JsonNode body, String field, long fallback, long min, long max) {
    return whole(body, field, fallback, min, max, "");
  }

  private static long whole(
      JsonNode body, String field, long fallback, long min, long max, String prefix) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    String name = prefix + field;
    if (!value.isIntegralNumber()
        || !value.canConvertToLong()
        || value.asLong() < min
        || value.asLong() > max) {
      String range =
          max == Long.MAX_VALUE ? "a whole number" : "a whole number from " + min + " to " + max;
      throw invalid(name, name + " must be " + range + ".");
    }
    return value.asLong();
  }

  private static InvalidRequestException invalid(String param, String message) {
    return new InvalidRequestException("invalid_request", param, message);
  }
}
