package dev.streamgate.transport;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The one way our threads write to an async response: non-blocking, and safe against the container
 * ending the request under us. Every write, header and {@code complete()} runs under one lock that
 * the container's own callbacks ({@code onError}, {@code onComplete}, {@code onWritePossible}) take
 * too, and nothing starts once the request is over.
 *
 * <p>Why the lock: Tomcat recycles a request's objects for the next connection once it has ended
 * the request and fired {@code onError}/{@code onComplete}; a write or {@code complete()} from our
 * thread that overlaps that end lands on someone else's request (Tomcat BZ 61768, Jersey #3719).
 *
 * <p>Why non-blocking: {@code send} writes at once while the socket takes the bytes, on whatever
 * thread calls it; when it does not, the container keeps the rest and calls {@code onWritePossible}
 * once it is out, and only then does {@code send} report back. No thread ever waits for a client.
 * What waits for a client is one frame (its follower sends the next only once told), so a stalled
 * client holds bounded memory.
 *
 * <p>{@code release} (the connection's slot) runs exactly once, on whichever ending comes first:
 * {@link #end()}, {@link #drop()}, or the container's own.
 */
public final class ResponseChannel implements AsyncListener, WriteListener {

  /** Sets a whole answer's status and headers, and returns its body. */
  @FunctionalInterface
  public interface Answer {
    byte[] prepare(HttpServletResponse response) throws IOException;
  }

  private final AsyncContext async;
  private final HttpServletResponse response;
  private final ServletOutputStream out;
  private final Runnable release;
  private final ReentrantLock lock = new ReentrantLock();
  // All guarded by lock.
  private boolean over; // the container has ended the request, or we completed it
  private boolean ending; // end() asked: complete once nothing waits to go out
  private boolean writable; // the container's first onWritePossible came, and isReady() since
  private final ArrayDeque<byte[]> unsent = new ArrayDeque<>(2); // not written yet, in order
  private final List<Consumer<Throwable>> waiting = new ArrayList<>(2); // told once all is out

  private ResponseChannel(AsyncContext async, HttpServletResponse response, Runnable release)
      throws IOException {
    this.async = async;
    this.response = response;
    this.out = response.getOutputStream();
    this.release = once(release);
  }

  /**
   * Whether a write to {@code request}'s response may block the writing thread however the response
   * is used: over HTTP/2, Tomcat writes each DATA frame with a blocking socket write (up to its
   * write timeout) even in non-blocking mode. Such writes go to threads of their own
   * (Followers#blockingWrites), never to the delivery threads or the timers.
   */
  public static boolean writesBlock(jakarta.servlet.ServletRequest request) {
    return request.getProtocol().startsWith("HTTP/2");
  }

  /**
   * Takes over an async request's response (the container's own, not a wrapper): registers for the
   * container's callbacks and switches its output to non-blocking. {@code release} runs once, when
   * the response ends in any way.
   */
  public static ResponseChannel open(
      AsyncContext async, HttpServletResponse response, Runnable release) throws IOException {
    ResponseChannel channel = new ResponseChannel(async, response, release);
    async.addListener(channel);
    channel.out.setWriteListener(channel);
    return channel;
  }

  /**
   * Runs {@code work} unless the request is over, keeping the container from ending it meanwhile:
   * for code that touches the response through a framework (Jersey) rather than through here.
   *
   * @return false if the request was over and nothing ran
   */
  public boolean whileOpen(Runnable work) {
    lock.lock();
    try {
      if (over) {
        return false;
      }
      work.run();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Answers the request in one go (a long poll, a whole completion) and ends it, unless it is
   * already over. {@code failed} hears why the answer did not reach the client, if it did not.
   *
   * @return true if the answer is still going out (the client is slow): the caller decides how long
   *     to give it before {@link #drop()}
   */
  public boolean answer(Answer answer, Consumer<Throwable> failed) {
    byte[] body;
    lock.lock();
    try {
      if (over) {
        failed.accept(over());
        return false;
      }
      body = answer.prepare(response);
    } catch (IOException | RuntimeException e) {
      failed.accept(e);
      drop();
      return false;
    } finally {
      lock.unlock();
    }
    send(
        body,
        failure -> {
          if (failure != null) {
            failed.accept(failure);
          }
        });
    end();
    return !isOver();
  }

  /**
   * Writes and flushes {@code bytes} without blocking; {@code written} hears null once the client's
   * socket has taken them (at once, or later from the container's thread), else the failure. Bytes
   * sent while earlier ones still wait go out after them.
   */
  public void send(byte[] bytes, Consumer<Throwable> written) {
    Throwable failure;
    lock.lock();
    try {
      if (over || ending) {
        failure = over();
      } else if (!writable || !waiting.isEmpty()) {
        unsent.add(bytes); // the container calls onWritePossible when we may write
        waiting.add(written);
        return;
      } else if (writeOut(bytes)) {
        failure = null;
      } else {
        waiting.add(written); // the rest goes out later: onWritePossible tells
        return;
      }
    } catch (IOException | RuntimeException e) {
      failure = e; // a recycled or broken stream throws IllegalStateException or worse
      completeNow();
    } finally {
      lock.unlock();
    }
    written.accept(failure); // never under the lock: the caller may send again from here
  }

  // Under the lock, while writable: true if the socket took everything, else the container holds
  // the rest and calls onWritePossible once it is out (Tomcat allows no write or flush meanwhile).
  private boolean writeOut(byte[] bytes) throws IOException {
    if (bytes != null) {
      out.write(bytes);
    }
    if (out.isReady()) {
      out.flush();
      if (out.isReady()) {
        return true;
      }
    }
    writable = false;
    return false;
  }

  /** Completes the response once what waits to go out has gone (at most once). */
  public void end() {
    lock.lock();
    try {
      ending = true;
      if (waiting.isEmpty()) {
        completeNow();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends the response now, whatever still waits to go out: the client is stuck or we stop.
   *
   * @return false if it had already ended
   */
  public boolean drop() {
    List<Consumer<Throwable>> abandoned;
    boolean wasOpen;
    lock.lock();
    try {
      wasOpen = !over;
      abandoned = abandon();
      completeNow();
    } finally {
      lock.unlock();
    }
    tell(abandoned, over());
    return wasOpen;
  }

  /** True once the response has ended, ours or the container's doing. */
  public boolean isOver() {
    lock.lock();
    try {
      return over;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onWritePossible() {
    List<Consumer<Throwable>> done;
    Throwable failure = null;
    lock.lock();
    try {
      writable = true;
      if (over || waiting.isEmpty()) {
        return; // the container's first call after setWriteListener, or nothing waits
      }
      try {
        // What the container held back is out; flush what our buffer may still hold, then ours.
        if (!writeOut(null)) {
          return;
        }
        for (byte[] bytes; (bytes = unsent.poll()) != null; ) {
          if (!writeOut(bytes)) {
            return;
          }
        }
      } catch (IOException | RuntimeException e) {
        failure = e;
      }
      done = List.copyOf(waiting);
      waiting.clear();
      unsent.clear();
      if (ending || failure != null) {
        completeNow();
      }
    } finally {
      lock.unlock();
    }
    for (Consumer<Throwable> written : done) {
      written.accept(failure);
    }
  }

  @Override
  public void onError(Throwable failure) {
    ended(failure);
  }

  @Override
  public void onComplete(AsyncEvent event) {
    ended(over());
  }

  @Override
  public void onError(AsyncEvent event) {
    ended(event.getThrowable() != null ? event.getThrowable() : over());
  }

  /** An event stream has no timeout; a long poll answers its own timeout before this one. */
  @Override
  public void onTimeout(AsyncEvent event) {
    // nothing: onComplete follows
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not re-dispatched: nothing to do
  }

  private void ended(Throwable failure) {
    List<Consumer<Throwable>> abandoned;
    lock.lock();
    try {
      over = true;
      abandoned = abandon();
    } finally {
      lock.unlock();
    }
    release.run();
    tell(abandoned, failure);
  }

  // Under the lock.
  private void completeNow() {
    if (over) {
      return;
    }
    over = true;
    release.run();
    try {
      async.complete();
    } catch (IllegalStateException alreadyEnding) {
      // the container is ending it (an error it saw first): nothing left for us to do
    }
  }

  private static IOException over() {
    return new IOException("the client's request has ended");
  }

  // Under the lock.
  private List<Consumer<Throwable>> abandon() {
    List<Consumer<Throwable>> abandoned = List.copyOf(waiting);
    waiting.clear();
    unsent.clear();
    return abandoned;
  }

  private static void tell(List<Consumer<Throwable>> abandoned, Throwable failure) {
    for (Consumer<Throwable> written : abandoned) {
      written.accept(failure);
    }
  }

  private static Runnable once(Runnable action) {
    AtomicBoolean done = new AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        action.run();
      }
    };
  }
}
