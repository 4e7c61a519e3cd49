package dev.streamgate.transport.poll;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.AsyncGuard;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One parked long poll. Whichever comes first (a new token or the end, our deadline, the
 * container's timeout, an error) claims the request; only the claimant writes and completes it.
 */
final class PollWaiter implements AsyncListener {

  private static final Logger LOG = Logger.getLogger(PollWaiter.class.getName());

  private final AsyncContext async;
  private final AsyncGuard guard;
  private final TokenStream stream;
  private final long after;
  private final int waitSeconds;
  private final Scheduling scheduling;
  private final Runnable release;
  private final AtomicBoolean claimed = new AtomicBoolean();
  private final Runnable onChange = this::wake;
  private volatile ScheduledFuture<?> deadline;

  PollWaiter(
      AsyncContext async,
      TokenStream stream,
      long after,
      int waitSeconds,
      Scheduling scheduling,
      Runnable release) {
    this.async = async;
    this.guard = AsyncGuard.on(async);
    this.release = release;
    this.stream = stream;
    this.after = after;
    this.waitSeconds = waitSeconds;
    this.scheduling = scheduling;
  }

  void start() {
    async.addListener(this);
    // Our own deadline answers on time; Tomcat checks async timeouts only once a second.
    async.setTimeout(TimeUnit.SECONDS.toMillis(waitSeconds + 5L));
    stream.addListener(onChange);
    deadline = scheduling.timers().schedule(this::wake, waitSeconds, TimeUnit.SECONDS);
    if (stream.hasAfter(after)) {
      wake(); // a token came between the servlet's read and our listener
    }
  }

  private void wake() {
    if (claim()) {
      try {
        scheduling.delivery().execute(this::answer);
      } catch (RejectedExecutionException shuttingDown) {
        guard.complete();
      }
    }
  }

  private boolean claim() {
    if (!claimed.compareAndSet(false, true)) {
      return false;
    }
    stream.removeListener(onChange);
    release.run();
    ScheduledFuture<?> pending = deadline;
    if (pending != null) {
      pending.cancel(false);
    }
    return true;
  }

  private void answer() {
    try {
      guard.write(
          () ->
              PollServlet.write(
                  (HttpServletResponse) async.getResponse(),
                  stream.read(after, PollServlet.MAX_TOKENS_PER_ANSWER)));
    } catch (IOException | IllegalStateException e) {
      LOG.log(Level.FINE, "long-poll client went away before its answer", e);
    } finally {
      guard.complete();
    }
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    if (claim()) {
      answer();
    }
  }

  @Override
  public void onError(AsyncEvent event) {
    claim(); // the client is gone: just let go of the stream
  }

  @Override
  public void onComplete(AsyncEvent event) {
    claim();
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not re-dispatched: nothing to do
  }
}
