package dev.streamgate.stream;

/**
 * The one event that ends a stream: a finish reason, the number of tokens written, and for {@link
 * FinishReason#ERROR} a stable error code and a message a user can act on.
 */
public record Terminal(FinishReason reason, long tokens, String errorCode, String errorMessage) {

  public boolean isError() {
    return reason == FinishReason.ERROR;
  }

  /** The generation's state as the API reports it. */
  public String state() {
    return switch (reason) {
      case STOP, LENGTH -> "completed";
      case CANCELLED -> "cancelled";
      case ERROR -> "failed";
    };
  }
}
