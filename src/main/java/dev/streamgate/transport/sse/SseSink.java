package dev.streamgate.transport.sse;

import dev.streamgate.stream.FrameSink;
import dev.streamgate.stream.Slice;
import dev.streamgate.transport.AsyncGuard;
import jakarta.servlet.AsyncContext;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Writes a follower's events to one async servlet response: tokens (coalesced when the client fell
 * behind), then the end, in one write and one flush per batch.
 */
final class SseSink implements FrameSink {

  private final OutputStream out;
  private final SseEvents events;
  private final Runnable release;
  private final AsyncGuard guard;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** {@code release} gives back the connection's slot when the sink closes (at most once). */
  SseSink(AsyncContext async, OutputStream out, SseEvents events, Runnable release) {
    this.out = out;
    this.events = events;
    this.release = release;
    this.guard = AsyncGuard.on(async);
  }

  @Override
  public void write(Slice slice, Consumer<Throwable> written) {
    StringBuilder frames = new StringBuilder(96 + slice.texts().size() * 16);
    if (!slice.texts().isEmpty()) {
      events.tokens(frames, slice);
    }
    if (slice.terminal() != null) {
      events.end(frames, slice.terminal());
    }
    send(frames.toString(), written);
  }

  @Override
  public void keepalive(Consumer<Throwable> written) {
    send(SseEvents.keepalive(), written);
  }

  private void send(String frames, Consumer<Throwable> written) {
    guard.flush(out, frames, written);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      release.run();
      guard.complete();
    }
  }

  /** Drops the client without waiting for a write that is stuck on it. */
  @Override
  public void abort() {
    if (closed.compareAndSet(false, true)) {
      release.run();
      guard.completeSoon();
    }
  }
}
