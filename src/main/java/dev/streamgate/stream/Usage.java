package dev.streamgate.stream;

/**
 * Token counts for one generation, as OpenAI's {@code usage} has them. {@code estimated} when the
 * backend gave no count of its own: the prompt counted in words, the completion in the tokens the
 * log holds.
 */
public record Usage(long promptTokens, long completionTokens, boolean estimated) {

  /** Counts the backend reported itself. */
  public Usage(long promptTokens, long completionTokens) {
    this(promptTokens, completionTokens, false);
  }

  public long totalTokens() {
    return promptTokens + completionTokens;
  }

  /**
   * What a generation of {@code tokens} tokens used: {@code reported} by its backend, with the
   * completion counted from the log where the backend has not (yet) given it; estimated if nothing
   * was reported.
   */
  public static Usage of(Usage reported, long tokens) {
    if (reported == null) {
      return new Usage(0, tokens, true);
    }
    if (reported.completionTokens() > 0 || tokens == 0) {
      return reported;
    }
    return new Usage(reported.promptTokens(), tokens, reported.estimated());
  }
}
