package dev.streamgate.transport.ws;

import dev.streamgate.stream.Follower;
import dev.streamgate.stream.FrameSink;
import dev.streamgate.stream.Slice;
import java.util.function.Consumer;

/** A follower's frames for one generation on a shared socket. */
final class WsSink implements FrameSink {

  private final WsConnection connection;
  private final String id;
  private volatile Follower follower;

  WsSink(WsConnection connection, String id) {
    this.connection = connection;
    this.id = id;
  }

  void attach(Follower follower) {
    this.follower = follower;
  }

  /** Stops following; the socket stays open. */
  void stop() {
    Follower current = follower;
    if (current != null) {
      current.close();
    }
  }

  @Override
  public void write(Slice slice, Consumer<Throwable> written) {
    if (slice.texts().isEmpty()) {
      connection.send(WsMessages.end(id, slice.terminal()), written);
    } else if (slice.terminal() == null) {
      connection.send(WsMessages.tokens(id, slice), written);
    } else {
      connection.send(
          WsMessages.tokens(id, slice),
          failure -> {
            if (failure != null) {
              written.accept(failure);
            } else {
              connection.send(WsMessages.end(id, slice.terminal()), written);
            }
          });
    }
  }

  @Override
  public void keepalive(Consumer<Throwable> written) {
    connection.ping(written);
  }

  @Override
  public void close() {
    connection.forget(id, this); // the socket stays open for the client's other generations
  }

  @Override
  public void abort() {
    connection.drop("client too slow; resume from your last seq");
  }
}
