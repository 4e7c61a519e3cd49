package dev.streamgate.stream;

/** No generation with this id (never was, or evicted after its retention). */
public final class StreamNotFoundException extends RuntimeException {
  public StreamNotFoundException(String id) {
    super("no generation with id '" + id + "'");
  }
}
