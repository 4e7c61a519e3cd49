package dev.streamgate.generation;

import java.util.List;

/** What to generate; the same for every transport. Validated by {@link GenerationRequests}. */
public record GenerationRequest(
    String model, List<Message> messages, int maxTokens, Simulation simulation) {

  public static final String DEFAULT_MODEL = "simulated";
  public static final int DEFAULT_MAX_TOKENS = 256;
  public static final int MAX_TOKENS_LIMIT = 8192;

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
