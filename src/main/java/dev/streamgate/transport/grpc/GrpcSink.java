package dev.streamgate.transport.grpc;

import dev.streamgate.stream.Follower;
import dev.streamgate.stream.FrameSink;
import dev.streamgate.stream.Slice;
import dev.streamgate.transport.grpc.v1.StreamEvent;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One call's events. A write is reported done once gRPC's flow control says the call is ready for
 * more ({@code isReady}, else its {@code onReady} handler), so at most one event waits in gRPC's
 * buffer beyond what the client's window takes, and a client that stops reading is left to the
 * follower's stuck timeout, like any other. The call's observer is not thread-safe: the follower's
 * writes, and its close and abort, reach it one at a time.
 */
final class GrpcSink implements FrameSink {

  private final ServerCallStreamObserver<StreamEvent> call;
  private final Runnable release; // the connection slot, given back once
  private final AtomicReference<Consumer<Throwable>> waiting = new AtomicReference<>();
  private final AtomicBoolean over = new AtomicBoolean();
  private volatile Follower follower;
  private volatile boolean cancelled;

  GrpcSink(ServerCallStreamObserver<StreamEvent> call, Runnable release) {
    this.call = call;
    this.release = release;
    call.setOnReadyHandler(this::ready);
    // The client cancelled, its deadline passed, or its connection went: a disconnect, as on
    // every transport (the generation's on_disconnect applies). With this handler set, gRPC
    // ignores events sent after it instead of throwing.
    call.setOnCancelHandler(this::cancelled);
  }

  /** The follower feeding this call; stopped at once if the client already left. */
  void attach(Follower follower) {
    this.follower = follower;
    if (cancelled) {
      follower.close();
    }
  }

  @Override
  public synchronized void write(Slice slice, Consumer<Throwable> written) {
    if (cancelled) {
      written.accept(Status.CANCELLED.asRuntimeException());
      return;
    }
    StreamEvent tokens = GrpcCodec.tokens(slice);
    waiting.set(written);
    if (tokens != null) {
      call.onNext(tokens);
    }
    if (slice.terminal() != null) {
      call.onNext(GrpcCodec.end(slice.terminal()));
    }
    if (call.isReady()) {
      ready();
    }
  }

  /** Sends {@code event} on the calling thread: the call's first event, before any follower. */
  synchronized void send(StreamEvent event) {
    call.onNext(event);
  }

  private void ready() {
    Consumer<Throwable> written = waiting.getAndSet(null);
    if (written != null) {
      written.accept(null);
    }
  }

  private void cancelled() {
    cancelled = true;
    Consumer<Throwable> written = waiting.getAndSet(null);
    if (written != null) {
      written.accept(Status.CANCELLED.asRuntimeException()); // the follower closes
    }
    Follower current = follower;
    if (current != null) {
      current.close();
    }
    if (over.compareAndSet(false, true)) {
      release.run();
    }
  }

  /**
   * Nothing to send: gRPC has no comment frame, and an empty event would be one a client must know
   * to skip. Its clients keep an idle call alive with HTTP/2 pings ({@code keepAliveTime}).
   */
  @Override
  public void keepalive(Consumer<Throwable> written) {
    written.accept(null);
  }

  /** The end was sent, or the client left: the call ends OK (a no-op on a cancelled call). */
  @Override
  public void close() {
    if (over.compareAndSet(false, true)) {
      release.run();
      if (!cancelled) {
        synchronized (this) {
          call.onCompleted();
        }
      }
    }
  }

  /** The client fell behind past the stuck timeout, or the gateway stops. */
  @Override
  public void abort() {
    if (over.compareAndSet(false, true)) {
      release.run();
      if (!cancelled) {
        synchronized (this) { // after a write that is still blocked, if one is
          call.onError(
              Status.UNAVAILABLE
                  .withDescription(
                      "The stream was dropped (the client fell behind, or the gateway is stopping);"
                          + " Subscribe again after the last seq it has.")
                  .asRuntimeException());
        }
      }
    }
  }
}
