package dev.streamgate.stream;

/** The gateway runs as many generations as it is configured for; try again later. */
public final class CapacityException extends RuntimeException {
  private final long retryAfterSeconds;

  public CapacityException(String message, long retryAfterSeconds) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
