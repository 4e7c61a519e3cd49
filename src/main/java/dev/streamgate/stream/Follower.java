package dev.streamgate.stream;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Pushes one stream to one client: whenever the log grows, reads everything after the client's
 * cursor and hands it to the sink as one write, never starting a write before the last one
 * finished. A slow client therefore gets larger, coalesced frames and never slows the producer or
 * anyone else; a client whose write does not finish in time is dropped, and resumes from the cursor
 * it last saw.
 */
public final class Follower {

  static final int MAX_BATCH = 512;

  private final TokenStream stream;
  private final FrameSink sink;
  private final Executor executor;
  private final Runnable onChange = this::signal;
  private final AtomicBoolean busy = new AtomicBoolean(); // a drain is scheduled or writing
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long cursor;
  private volatile long writeStartedNanos; // 0 when no write is in flight
  private volatile long lastWriteNanos = System.nanoTime();

  Follower(TokenStream stream, long cursor, FrameSink sink, Executor executor) {
    this.stream = stream;
    this.cursor = cursor;
    this.sink = sink;
    this.executor = executor;
  }

  void start() {
    busy.set(true); // the open write goes first; appends meanwhile wait for release()
    stream.addListener(onChange);
    dispatch(
        () ->
            sink.open(
                failure -> {
                  if (failure != null) {
                    close();
                  } else {
                    release(); // then what was already in the log
                  }
                }));
  }

  public TokenStream stream() {
    return stream;
  }

  /** The last seq this client has been sent. */
  public long cursor() {
    return cursor;
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Stops following; the client may resume from its cursor. */
  public void close() {
    if (closed.compareAndSet(false, true)) {
      stream.removeListener(onChange);
      sink.close();
    }
  }

  /** Stops following and drops the client's connection (stuck, or the gateway is stopping). */
  public void abort() {
    if (closed.compareAndSet(false, true)) {
      stream.removeListener(onChange);
      sink.abort();
    }
  }

  private void signal() {
    if (!closed.get() && busy.compareAndSet(false, true)) {
      dispatch(this::drain);
    }
  }

  private void dispatch(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException shuttingDown) {
      close();
    }
  }

  private void drain() {
    if (closed.get()) {
      return;
    }
    Slice slice = stream.read(cursor, MAX_BATCH);
    if (slice.isEmpty()) {
      release();
      return;
    }
    writeStartedNanos = System.nanoTime();
    sink.write(slice, failure -> written(slice, failure));
  }

  private void written(Slice slice, Throwable failure) {
    long now = System.nanoTime();
    writeStartedNanos = 0;
    lastWriteNanos = now;
    if (failure != null) {
      close(); // the cursor stays where the client's last complete write left it
      return;
    }
    cursor = slice.lastSeq();
    if (slice.terminal() != null) {
      close();
    } else {
      release();
    }
  }

  // Clear the flag, then look again: a token appended while we were busy saw the flag set and
  // left the work to us.
  private void release() {
    busy.set(false);
    if (stream.hasAfter(cursor)) {
      signal();
    }
  }

  /** Sends a keepalive if the client has been idle for {@code idleNanos} and nothing is queued. */
  void keepaliveIfIdle(long nowNanos, long idleNanos) {
    if (closed.get() || nowNanos - lastWriteNanos < idleNanos) {
      return;
    }
    if (busy.compareAndSet(false, true)) {
      dispatch(
          () -> {
            writeStartedNanos = System.nanoTime();
            sink.keepalive(
                failure -> {
                  writeStartedNanos = 0;
                  lastWriteNanos = System.nanoTime();
                  if (failure != null) {
                    close();
                  } else {
                    release();
                  }
                });
          });
    }
  }

  /** True if a write has been in flight for longer than {@code limitNanos}. */
  boolean isStuck(long nowNanos, long limitNanos) {
    long started = writeStartedNanos;
    return started != 0 && nowNanos - started > limitNanos;
  }
}
