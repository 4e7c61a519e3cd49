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

  /** The node producing it shut down (in a cluster, after its drain timeout). */
  public static final String BY_SHUTDOWN = "shutdown";

  /**
   * Why a cancelled stream was cancelled ({@code client}, {@code disconnect}, {@code
   * orphan_timeout}, {@code shutdown}); null if it was not cancelled, or the reason is not known.
   */
  public String cancelledBy() {
    return reason == FinishReason.CANCELLED ? errorCode : null;
  }

  /** A sentence saying a cancelled stream was cancelled, and why, for clients' error messages. */
  public String cancelledMessage() {
    String why =
        switch (String.valueOf(cancelledBy())) {
          case BY_CLIENT -> ": a client cancelled it.";
          case BY_DISCONNECT -> ": no client was reading it (on_disconnect: cancel).";
          case BY_ORPHAN_TIMEOUT -> ": no client read it for the orphan timeout.";
          case BY_SHUTDOWN -> ": the gateway node producing it shut down.";
          default -> ".";
        };
    return "The generation was cancelled" + why;
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
