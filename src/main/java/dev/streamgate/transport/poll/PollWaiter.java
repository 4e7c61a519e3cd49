package dev.streamgate.transport.poll;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.stream.Delivery;
import dev.streamgate.stream.Followers;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.ResponseChannel;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One long poll. Whichever comes first (a new token or the end, our deadline, the container's
 * timeout, the client leaving) claims the request; only the claimant answers it, on its own thread
 * and without blocking.
 */
final class PollWaiter implements AsyncListener {

  private static final Logger LOG = Logger.getLogger(PollWaiter.class.getName());

  private final TokenStream stream;
  private final long after;
  private final Followers followers;
  private final Delivery delivery;
  private final AtomicBoolean claimed = new AtomicBoolean();
  private volatile boolean parked;
  private final Runnable onChange = this::wake;
  private ResponseChannel channel;
  private boolean writesBlock; // set before the waiter listens: answers go to blockingWrites
  private volatile ScheduledFuture<?> deadline;

  private PollWaiter(TokenStream stream, long after, Followers followers, Delivery delivery) {
    stream.readOver(delivery.transport());
    this.stream = stream;
    this.after = after;
    this.followers = followers;
    this.delivery = delivery;
  }

  /** Answers at once with what there is after {@code after} (perhaps nothing). */
  static void answerNow(
      HttpServletRequest request,
      HttpServletResponse response,
      TokenStream stream,
      long after,
      Followers followers,
      Delivery delivery)
      throws IOException {
    PollWaiter waiter = new PollWaiter(stream, after, followers, delivery);
    waiter.channel = ResponseChannel.open(request.startAsync(), response, () -> {});
    waiter.claimed.set(true);
    stream.touch();
    waiter.answer();
  }

  /**
   * Parks the request until there is something after {@code after} or {@code waitSeconds} pass.
   * {@code release} (the poll's slots) runs once, when the request is over.
   */
  static void park(
      HttpServletRequest request,
      HttpServletResponse response,
      TokenStream stream,
      long after,
      int waitSeconds,
      Scheduling scheduling,
      Followers followers,
      Delivery delivery,
      Runnable release)
      throws IOException {
    PollWaiter waiter = new PollWaiter(stream, after, followers, delivery);
    try {
      AsyncContext async = request.startAsync();
      // Our own deadline answers on time; Tomcat checks async timeouts only once a second.
      async.setTimeout(TimeUnit.SECONDS.toMillis(waitSeconds + 5L));
      async.addListener(waiter);
      waiter.channel =
          ResponseChannel.open(
              async,
              response,
              () -> {
                waiter.claim();
                release.run();
              });
    } catch (IOException | RuntimeException e) {
      release.run();
      throw e;
    }
    waiter.parked = true;
    waiter.writesBlock = ResponseChannel.writesBlock(request);
    delivery.opened();
    stream.addListener(waiter.onChange);
    waiter.deadline = scheduling.timers().schedule(waiter::wake, waitSeconds, TimeUnit.SECONDS);
    if (stream.hasAfter(after)) {
      waiter.wake(); // a token came between the servlet's read and our listener
    }
  }

  /** On the thread that appended a token, or a timer: the answer itself may block (HTTP/2). */
  private void wake() {
    if (claim()) {
      if (writesBlock) {
        followers.blockingWrites().execute(this::answer);
      } else {
        answer();
      }
    }
  }

  private boolean claim() {
    return claim(null);
  }

  /** Takes the poll over, once; {@code reason} is why it ends without an answer, else null. */
  private boolean claim(String reason) {
    if (!claimed.compareAndSet(false, true)) {
      return false;
    }
    stream.removeListener(onChange);
    if (parked) {
      delivery.closed(reason);
    }
    ScheduledFuture<?> pending = deadline;
    if (pending != null) {
      pending.cancel(false);
    }
    return true;
  }

  private void answer() {
    boolean slow =
        channel.answer(
            response -> PollServlet.prepare(response, counted(stream.read(after, MAX))),
            failure ->
                LOG.log(Level.FINE, "long-poll client went away before its answer", failure));
    if (slow) { // a client that stopped reading: its answer waits until the stuck timeout, no more
      followers.dropIfStuck(channel::drop, writesBlock);
    }
  }

  private static final int MAX = PollServlet.MAX_TOKENS_PER_ANSWER;

  /** Tells the metrics what this answer carries, and how long after the model wrote it. */
  private Slice counted(Slice slice) {
    if (!slice.texts().isEmpty()) {
      long appended = stream.lastAppendNanos();
      boolean newest = slice.lastSeq() == stream.size() && appended != 0;
      delivery.delivered(slice.texts().size(), newest ? System.nanoTime() - appended : -1);
    }
    return slice;
  }

  /** The container's timeout, if our deadline did not come first: answer here, empty. */
  @Override
  public void onTimeout(AsyncEvent event) {
    wake();
  }

  @Override
  public void onError(AsyncEvent event) {
    claim(Delivery.CLIENT_GONE); // the client is gone: let go of the stream
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
