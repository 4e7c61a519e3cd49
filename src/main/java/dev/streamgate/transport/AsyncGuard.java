package dev.streamgate.transport;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Knows when the container has ended an async request (client gone, error, timeout). After that,
 * Tomcat recycles the request and response for the next request on the connection: a late write or
 * {@code complete()} through the old references would land on someone else's stream.
 */
public final class AsyncGuard implements AsyncListener {

  private final AtomicBoolean over = new AtomicBoolean();

  private AsyncGuard() {}

  public static AsyncGuard on(AsyncContext async) {
    AsyncGuard guard = new AsyncGuard();
    async.addListener(guard);
    return guard;
  }

  /** True once the request is complete, or the container ended it: write nothing more. */
  public boolean isOver() {
    return over.get();
  }

  /** Completes the request, unless it is already over. */
  public void complete(AsyncContext async) {
    if (over.compareAndSet(false, true)) {
      try {
        async.complete();
      } catch (IllegalStateException alreadyDone) {
        // the container got there between our check and the call: nothing left to do
      }
    }
  }

  @Override
  public void onComplete(AsyncEvent event) {
    over.set(true);
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    over.set(true);
  }

  @Override
  public void onError(AsyncEvent event) {
    over.set(true);
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not re-dispatched: nothing to do
  }
}
