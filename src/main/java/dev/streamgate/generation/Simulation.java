package dev.streamgate.generation;

/**
 * How the simulated model behaves: first token after {@code ttftMs}, then {@code tokensPerSecond};
 * the text is fixed by (prompt, {@code seed}). {@code length} is how many tokens it writes before
 * it stops by itself (0: chosen by the seed); {@code failAfter} makes it fail after that many
 * tokens (0: never) so clients can see an error mid-stream.
 */
public record Simulation(
    long ttftMs, double tokensPerSecond, long seed, int length, int failAfter) {

  public static final Simulation DEFAULT = new Simulation(200, 30, 1, 0, 0);
}
