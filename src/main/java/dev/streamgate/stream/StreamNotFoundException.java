package dev.streamgate.stream;

/** No generation with this id (never was, or evicted after its retention). */
public final class StreamNotFoundException extends RuntimeException {
  private final boolean evicted;

  public StreamNotFoundException(String id) {
    this(
        "No generation with id '"
            + (id != null && id.length() > 64 ? id.substring(0, 64) + "…" : id)
            + "' (never created, or evicted after its retention).",
        false);
  }

  private StreamNotFoundException(String message, boolean evicted) {
    super(message);
    this.evicted = evicted;
  }

  /** The generation existed, and was dropped before its retention was up to bound memory. */
  public static StreamNotFoundException evicted(String id) {
    return new StreamNotFoundException(
        "Generation '"
            + id
            + "' was evicted before its retention ended, to keep finished generations within"
            + " STREAMGATE_MAX_RETAINED_BYTES and STREAMGATE_MAX_RETAINED; its text is gone.",
        true);
  }

  public boolean isEvicted() {
    return evicted;
  }
}
