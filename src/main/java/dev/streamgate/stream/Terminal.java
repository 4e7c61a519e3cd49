package dev.streamgate.stream;

/**
 * The one event that ends a stream: a finish reason, the number of tokens written, and for {@link
 * FinishReason#ERROR} a stable error code and a message a user can act on. For {@link
 * FinishReason#CANCELLED} the code says who cancelled: {@link #cancelledBy()}.
 */
public record Terminal(FinishReason reason, long tokens, String errorCode, String errorMessage) {

  /** A client asked: {@code DELETE}, a WebSocket {@code cancel}, a gRPC {@code Cancel}. */
  public static final String BY_CLIENT = "client";

  /** Its request said {@code on_disconnect: cancel}, and no one read it for the grace. */
  public static final String BY_DISCONNECT = "disconnect";

  /** No one read it for {@code STREAMGATE_ORPHAN_TIMEOUT}. */
  public static final String BY_ORPHAN_TIMEOUT = "orphan_timeout";

  /**
   * Why a cancelled stream was cancelled ({@code client}, {@code disconnect}, {@code
   * orphan_timeout}); null if it was not cancelled, or the reason is not known.
   */
  public String cancelledBy() {
    return reason == FinishReason.CANCELLED ? errorCode : null;
  }

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
