package dev.streamgate.stream;

/**
 * What one transport's clients were sent, for the gateway's metrics: told by each {@link Follower}
 * (and by long polls) as it opens, writes and ends. Must be cheap and never block: it runs on the
 * writing thread.
 */
public interface Delivery {

  /** The transport's name in metrics and logs ("sse", "openai", ...), or null for none. */
  default String transport() {
    return null;
  }

  /** A client started to follow a stream. */
  void opened();

  /**
   * A write of {@code tokens} tokens reached the client's socket; {@code lagNanos} is how long
   * after the model wrote its newest token, or -1 if the write did not end at the newest token.
   */
  void delivered(int tokens, long lagNanos);

  /**
   * The client stopped following: {@code reason} is null if it was sent the end of the stream, else
   * why it was cut ({@link #CLIENT_GONE}, {@link #STUCK}, {@link #SHUTDOWN}).
   */
  void closed(String reason);

  String CLIENT_GONE = "client_gone";
  String STUCK = "stuck";
  String SHUTDOWN = "shutdown";

  /** Counts nothing: for tests and callers with no metrics. */
  Delivery NONE =
      new Delivery() {
        @Override
        public void opened() {}

        @Override
        public void delivered(int tokens, long lagNanos) {}

        @Override
        public void closed(String reason) {}
      };
}
