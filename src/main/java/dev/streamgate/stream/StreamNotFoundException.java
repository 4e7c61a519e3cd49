package dev.streamgate.stream;

/** No generation with this id (never was, or evicted after its retention). */
public final class StreamNotFoundException extends RuntimeException {
  public StreamNotFoundException(String id) {
    super(
        "No generation with id '"
            + (id != null && id.length() > 64 ? id.substring(0, 64) + "…" : id)
            + "' (never created, or evicted after its retention).");
  }
}
