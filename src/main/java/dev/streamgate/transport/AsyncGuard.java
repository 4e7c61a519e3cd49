package dev.streamgate.transport;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The one way our threads touch an async request: every write and the {@code complete()} go through
 * here, under one monitor that the container's own callbacks take too.
 *
 * <p>Tomcat recycles a request's objects for the next connection once it has ended the request
 * (client gone, error) and fired {@code onError}/{@code onComplete}. A write or {@code complete()}
 * from one of our threads that overlaps that end lands on someone else's request: a resumed stream
 * that was completed a moment after it opened, and stayed silent (Tomcat BZ 61768; Jersey #3719 is
 * the same race inside {@code SseEventSink}). Here the container's callbacks wait for a write or a
 * complete in progress, and nothing starts once they have run.
 */
public final class AsyncGuard implements AsyncListener {

  /** A write to the response. */
  @FunctionalInterface
  public interface Write {
    void run() throws IOException;
  }

  private final AsyncContext async;
  private final ReentrantLock lock = new ReentrantLock();
  private boolean over; // guarded by lock
  private volatile boolean completeAfterWrite;

  private AsyncGuard(AsyncContext async) {
    this.async = async;
  }

  public static AsyncGuard on(AsyncContext async) {
    AsyncGuard guard = new AsyncGuard(async);
    async.addListener(guard);
    return guard;
  }

  /**
   * Runs {@code write} unless the request is over; the container cannot end the request meanwhile.
   *
   * @return false if the request was already over and nothing was written
   */
  public boolean write(Write write) throws IOException {
    lock.lock();
    try {
      if (over) {
        return false;
      }
      write.run();
      return true;
    } finally {
      if (completeAfterWrite) {
        completeNow();
      }
      lock.unlock();
    }
  }

  /**
   * Writes {@code frames} and flushes them to the client, then reports to {@code written}: null
   * when they went out, else the failure (also when the request was already over).
   */
  public void flush(OutputStream out, String frames, Consumer<Throwable> written) {
    byte[] bytes = frames.getBytes(StandardCharsets.UTF_8);
    Throwable failure;
    try {
      boolean sent =
          write(
              () -> {
                out.write(bytes);
                out.flush();
              });
      failure = sent ? null : new IOException("the client's request has ended");
    } catch (IOException | RuntimeException e) {
      failure = e; // a recycled stream throws IllegalStateException or worse: never let it escape
    }
    written.accept(failure);
  }

  /** Completes the request, unless it is already over; waits for a write in progress. */
  public void complete() {
    lock.lock();
    try {
      completeNow();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Completes the request now if no write is in progress, else as soon as that write returns (or
   * fails: a write to a client that stopped reading blocks until the container's write timeout).
   * Never waits: the sweeper that drops stuck clients runs on the model's timer thread.
   */
  public void completeSoon() {
    completeAfterWrite = true; // a writer looks when its write returns, still holding the lock
    if (lock.tryLock()) { // no write in progress, or it has looked and gone
      try {
        completeNow();
      } finally {
        lock.unlock();
      }
    }
  }

  private void completeNow() {
    if (!over) {
      over = true;
      try {
        async.complete();
      } catch (IllegalStateException alreadyEnding) {
        // the container is ending it (an error it saw first): nothing left for us to do
      }
    }
  }

  @Override
  public void onComplete(AsyncEvent event) {
    end();
  }

  @Override
  public void onError(AsyncEvent event) {
    end();
  }

  private void end() {
    lock.lock();
    try {
      over = true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * A timeout is answered on the container's thread by whoever listens for it (a long poll writes
   * its empty answer); the request is over only when it completes.
   */
  @Override
  public void onTimeout(AsyncEvent event) {
    // nothing: onComplete follows
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not re-dispatched: nothing to do
  }
}
