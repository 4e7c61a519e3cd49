package dev.streamgate.generation;

import dev.streamgate.stream.OnDisconnect;
import java.util.List;
import java.util.Map;

/**
 * What to generate; the same for every transport. Validated by {@link GenerationRequests}. {@code
 * options} are sampling settings (temperature, stop, …) passed on to an upstream model as the
 * client sent them. {@code onDisconnect} is null when the client did not choose: each endpoint has
 * its own default. {@code trace} is the caller's trace context, passed on to an upstream model.
 */
public record GenerationRequest(
    String model,
    List<Message> messages,
    int maxTokens,
    Simulation simulation,
    Map<String, Object> options,
    OnDisconnect onDisconnect,
    TraceContext trace) {

  public GenerationRequest {
    trace = trace == null ? TraceContext.NONE : trace;
  }

  public GenerationRequest(
      String model, List<Message> messages, int maxTokens, Simulation simulation) {
    this(model, messages, maxTokens, simulation, Map.of(), null, TraceContext.NONE);
  }

  /** The same request, in the caller's trace. */
  public GenerationRequest inTrace(TraceContext trace) {
    return new GenerationRequest(
        model, messages, maxTokens, simulation, options, onDisconnect, trace);
  }

  /** The same request, with {@code policy} unless the client chose one. */
  public GenerationRequest orOnDisconnect(OnDisconnect policy) {
    return onDisconnect != null
        ? this
        : new GenerationRequest(model, messages, maxTokens, simulation, options, policy, trace);
  }

  public static final String DEFAULT_MODEL = "simulated";
  public static final int DEFAULT_MAX_TOKENS = 256;
  public static final int MAX_TOKENS_LIMIT = 8192;

  private static final java.util.regex.Pattern WORDS =
      java.util.regex.Pattern.compile("\\w+|[^\\w\\s]");

  /**
   * Roughly how many tokens the messages are (words and punctuation), for models that don't say.
   */
  public long estimatedPromptTokens() {
    long tokens = 0;
    for (Message message : messages) {
      tokens += 4 + WORDS.matcher(message.content()).results().count(); // ~4 for the role framing
    }
    return tokens;
  }

  /** The last user message: what the simulated model answers. */
  public String prompt() {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if ("user".equals(messages.get(i).role())) {
        return messages.get(i).content();
      }
    }
    return messages.get(messages.size() - 1).content();
  }
}
