package dev.streamgate.stream;

/**
 * The gateway cannot take this request now, though another node or a later try may: the shared
 * store is unreachable, or the node is draining for a restart. Answered as {@code 503}.
 */
public final class UnavailableException extends RuntimeException {
  private final String code;
  private final long retryAfterSeconds;

  public UnavailableException(String code, String message, long retryAfterSeconds) {
    super(message);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public String code() {
    return code;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
