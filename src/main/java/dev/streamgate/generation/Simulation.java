package dev.streamgate.generation;

/**
 * How the simulated model behaves: first token after {@code ttftMs}, then {@code tokensPerSecond};
 * the text is fixed by (prompt, {@code seed}). {@code length} is how many tokens it writes before
 * it stops by itself (0: chosen by the seed); {@code failAfter} makes it fail after that many
 * tokens (0: never) so clients can see an error mid-stream. {@code topicMax} caps the prompt's
 * topic word, which the answer repeats: 32 characters by default, as a tokenizer makes no longer
 * tokens; load and stall tests raise it to make large tokens on purpose.
 */
public record Simulation(
    long ttftMs, double tokensPerSecond, long seed, int length, int failAfter, int topicMax) {

  public static final int TOPIC_MAX = 32;
  public static final int TOPIC_MAX_LIMIT = 65_536;
  public static final Simulation DEFAULT = new Simulation(200, 30, 1, 0, 0, TOPIC_MAX);

  public Simulation(long ttftMs, double tokensPerSecond, long seed, int length, int failAfter) {
    this(ttftMs, tokensPerSecond, seed, length, failAfter, TOPIC_MAX);
  }
}
