package dev.streamgate.stream;

import java.util.function.Consumer;

/**
 * The transport side of a {@link Follower}: writes frames to one client. A follower calls it from
 * one thread at a time and never before the previous write reported back.
 */
public interface FrameSink {

  /**
   * Writes whatever opens the stream (headers, a first comment) before any frame, on the same
   * thread discipline as the frames; most sinks have nothing to write.
   */
  default void open(Consumer<Throwable> written) {
    written.accept(null);
  }

  /**
   * Writes the slice's tokens as one frame (several tokens if the client fell behind), then its
   * terminal event if it has one, and reports to {@code written}: null when done, or the failure.
   */
  void write(Slice slice, Consumer<Throwable> written);

  /** Writes something harmless that keeps proxies and the client from timing out an idle stream. */
  void keepalive(Consumer<Throwable> written);

  /** The follower is done with this client: the stream ended or a write failed. Idempotent. */
  void close();

  /** The client is stuck or the gateway is stopping: drop its connection. */
  void abort();
}
