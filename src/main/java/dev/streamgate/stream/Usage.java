package dev.streamgate.stream;

/** Token counts a backend reports for one generation, as OpenAI's {@code usage} has them. */
public record Usage(long promptTokens, long completionTokens) {

  public long totalTokens() {
    return promptTokens + completionTokens;
  }
}
