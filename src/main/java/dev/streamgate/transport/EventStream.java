package dev.streamgate.transport;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A {@code text/event-stream} response that lives as long as its generation ({@code /events} and
 * {@code /v1}): what a follower's sink writes through, and ends once, giving back the connection's
 * slot. Every write and the end go through the request's {@link AsyncGuard}.
 */
public final class EventStream {

  private final OutputStream out;
  private final AsyncGuard guard;
  private final Runnable release;
  private final AtomicBoolean ended = new AtomicBoolean();

  private EventStream(OutputStream out, AsyncGuard guard, Runnable release) {
    this.out = out;
    this.guard = guard;
    this.release = release;
  }

  /**
   * Sets the status and the headers every event stream needs and makes the request async with no
   * timeout (keepalives find clients that are gone). Nothing is written yet: the request thread may
   * write a first comment and flush before a follower starts. {@code release} runs when the stream
   * ends.
   */
  public static EventStream start(
      HttpServletRequest request, HttpServletResponse response, Runnable release)
      throws IOException {
    response.setStatus(200);
    response.setContentType("text/event-stream;charset=UTF-8");
    response.setHeader("Cache-Control", "no-cache");
    // nginx buffers proxied responses unless told not to; an event stream must flow as written.
    response.setHeader("X-Accel-Buffering", "no");
    AsyncContext async = request.startAsync();
    async.setTimeout(0);
    return new EventStream(response.getOutputStream(), AsyncGuard.on(async), release);
  }

  /** Writes and flushes {@code frames}; {@code written} hears null or the failure. */
  public void send(String frames, Consumer<Throwable> written) {
    guard.flush(out, frames, written);
  }

  /** A comment line: keeps proxies from closing an idle stream and finds clients that are gone. */
  public void keepalive(Consumer<Throwable> written) {
    send(": keepalive\n\n", written);
  }

  /** Completes the response (at most once, with {@link #drop()}). */
  public void end() {
    if (ended.compareAndSet(false, true)) {
      release.run();
      guard.complete();
    }
  }

  /** Ends the response without waiting for a write that is stuck on the client. */
  public void drop() {
    if (ended.compareAndSet(false, true)) {
      release.run();
      guard.completeSoon();
    }
  }
}
