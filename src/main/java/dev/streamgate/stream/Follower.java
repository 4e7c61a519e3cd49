package dev.streamgate.stream;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Pushes one stream to one client: whenever the log grows, reads everything after the client's
 * cursor and hands it to the sink as one write, never starting a write before the last one
 * finished.
 *
 * <p>Every write is non-blocking (the sink reports when its socket has taken the bytes), so no
 * thread ever waits for a client. A new token is written on the worker executor, or, with {@code
 * inline}, on the thread that appended it for as long as each write finishes at once (no hand-off
 * per token; the benchmark compares both). A write that finishes later (the client fell behind)
 * continues on the worker, which sends whatever piled up meanwhile as one coalesced frame. A slow
 * client therefore never slows the producer or anyone else; a client whose write does not finish in
 * time is dropped, and resumes from the cursor it last saw.
 */
public final class Follower {

  static final int MAX_BATCH = 512;

  private final TokenStream stream;
  private final FrameSink sink;
  private final Executor worker;
  private final boolean inline;
  private final boolean writesBlock;
  private final Delivery delivery;
  private final Runnable onChange = this::signal;
  private final AtomicBoolean busy = new AtomicBoolean(); // someone is draining or writing
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long cursor;
  private volatile long writeStartedNanos; // 0 when no write is in flight
  private volatile long lastWriteNanos = System.nanoTime();
  // The stream's newest seq and when the model wrote it, as the slice in flight was read.
  private long newestAtRead;
  private long appendedAtRead;

  Follower(TokenStream stream, long cursor, FrameSink sink, Executor worker, boolean inline) {
    this(stream, cursor, sink, worker, inline, Delivery.NONE, false);
  }

  /**
   * {@code writesBlock}: the sink's writes may block the calling thread (HTTP/2), so every call to
   * it, the first write and a drop included, runs on {@code worker}, never on the caller's thread.
   */
  Follower(
      TokenStream stream,
      long cursor,
      FrameSink sink,
      Executor worker,
      boolean inline,
      Delivery delivery,
      boolean writesBlock) {
    this.stream = stream;
    this.cursor = cursor;
    this.sink = sink;
    this.worker = worker;
    this.inline = inline && !writesBlock;
    this.delivery = delivery;
    this.writesBlock = writesBlock;
  }

  /** Opens the sink, then sends what the log already holds; on the calling thread if it can. */
  void start() {
    busy.set(true); // the open write goes first; appends meanwhile leave the work to us
    delivery.opened();
    stream.readOver(delivery.transport());
    stream.addListener(onChange);
    writeStartedNanos = System.nanoTime();
    if (writesBlock) {
      resume(this::open);
    } else {
      open();
    }
  }

  private void open() {
    Write open = new Write(null);
    sink.open(open);
    if (open.returned()) {
      continueAfter(open.failure);
    }
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

  /** Stops following (the client went away); it may resume from its cursor. */
  public void close() {
    close(Delivery.CLIENT_GONE);
  }

  private void close(String reason) {
    if (closed.compareAndSet(false, true)) {
      stream.removeListener(onChange);
      sink.close();
      delivery.closed(reason);
    }
  }

  /** Stops following and drops the client's connection: the gateway is stopping. */
  public void abort() {
    abort(Delivery.SHUTDOWN);
  }

  /** Stops following and drops the client's connection, for {@code reason} (stuck, shutdown). */
  public void abort(String reason) {
    if (closed.compareAndSet(false, true)) {
      stream.removeListener(onChange);
      if (writesBlock) {
        execute(sink::abort); // it waits for a blocked write to give up, on a thread of its own
      } else {
        sink.abort();
      }
      delivery.closed(reason);
    }
  }

  private void execute(Runnable task) {
    try {
      worker.execute(task);
    } catch (RejectedExecutionException shuttingDown) {
      task.run();
    }
  }

  private void signal() {
    if (!closed.get() && busy.compareAndSet(false, true)) {
      if (inline) {
        drain();
      } else {
        resume(this::drain);
      }
    }
  }

  /**
   * Writes slices until the log has nothing more for this client or a write does not finish at
   * once; then that write's completion carries on, on the worker. Called holding {@code busy}.
   */
  private void drain() {
    while (!closed.get()) {
      appendedAtRead = stream.lastAppendNanos(); // before the size the read sees: never newer
      newestAtRead = stream.size();
      Slice slice = stream.read(cursor, MAX_BATCH);
      if (slice.isEmpty()) {
        if (release()) {
          continue;
        }
        return;
      }
      Write write = new Write(slice);
      writeStartedNanos = System.nanoTime();
      sink.write(slice, write);
      if (!write.returned() || !written(slice, write.failure)) {
        return;
      }
    }
  }

  /** Records a finished write; true if the client can take more. */
  private boolean written(Slice slice, Throwable failure) {
    writeStartedNanos = 0;
    lastWriteNanos = System.nanoTime();
    if (failure != null) {
      close(); // the cursor stays where the client's last complete write left it
      return false;
    }
    cursor = slice.lastSeq();
    if (!slice.texts().isEmpty()) {
      boolean newest = slice.lastSeq() == newestAtRead && appendedAtRead != 0;
      delivery.delivered(slice.texts().size(), newest ? lastWriteNanos - appendedAtRead : -1);
    }
    if (slice.terminal() != null) {
      close(null); // sent the end: not a disconnect
      return false;
    }
    return true;
  }

  /** After the open write or a keepalive: on to whatever the log holds. */
  private void continueAfter(Throwable failure) {
    writeStartedNanos = 0;
    lastWriteNanos = System.nanoTime();
    if (failure != null) {
      close();
    } else {
      drain(); // what was already in the log
    }
  }

  // Clear the flag, then look again: a token appended while we were busy saw the flag set and
  // left the work to us. True if we took the flag back and should drain again.
  private boolean release() {
    busy.set(false);
    return stream.hasAfter(cursor) && !closed.get() && busy.compareAndSet(false, true);
  }

  /** Carries on a drain on the worker, after a write that finished later than it started. */
  private void resume(Runnable task) {
    try {
      worker.execute(task);
    } catch (RejectedExecutionException shuttingDown) {
      close();
    }
  }

  /** Sends a keepalive if the client has been idle for {@code idleNanos} and nothing is queued. */
  void keepaliveIfIdle(long nowNanos, long idleNanos) {
    if (closed.get() || nowNanos - lastWriteNanos < idleNanos) {
      return;
    }
    if (busy.compareAndSet(false, true)) {
      resume(
          () -> {
            Write ping = new Write(null);
            writeStartedNanos = System.nanoTime();
            sink.keepalive(ping);
            if (ping.returned()) {
              continueAfter(ping.failure);
            }
          });
    }
  }

  /** True if a write has been in flight for longer than {@code limitNanos}. */
  boolean isStuck(long nowNanos, long limitNanos) {
    long started = writeStartedNanos;
    return started != 0 && nowNanos - started > limitNanos;
  }

  /**
   * One write's completion. Whichever comes second, the sink's report or the writer's return from
   * the sink, carries on: the writer's loop if the report came first (the common case, no
   * hand-off), else the worker.
   */
  private final class Write implements Consumer<Throwable> {
    private static final int PENDING = 0;
    private static final int REPORTED = 1;
    private static final int RETURNED = 2;

    private final Slice slice; // null for the open and keepalive writes
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private Throwable failure; // published by the state's CAS

    Write(Slice slice) {
      this.slice = slice;
    }

    @Override
    public void accept(Throwable failure) {
      this.failure = failure;
      if (!state.compareAndSet(PENDING, REPORTED)) { // the writer has gone: we carry on
        resume(this::carryOn);
      }
    }

    /** Called by the writer once the sink returned: true if the write was already reported. */
    boolean returned() {
      return !state.compareAndSet(PENDING, RETURNED);
    }

    private void carryOn() {
      if (slice == null) {
        continueAfter(failure);
      } else if (written(slice, failure)) {
        drain();
      }
    }
  }
}
