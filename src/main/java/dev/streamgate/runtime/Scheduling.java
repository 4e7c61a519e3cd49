package dev.streamgate.runtime;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Owns the application's threads: a small timer pool (the simulated model's ticks, long-poll
 * deadlines, sweeps), the workers that carry on writing to clients that fell behind, and the
 * upstream models' HTTP client threads (their own, so nothing a client does can stop the gateway
 * reading a model), and the threads that write to HTTP/2 clients. Nothing else creates threads.
 */
@ApplicationScoped
public class Scheduling {

  private static final Logger LOG = Logger.getLogger(Scheduling.class.getName());

  private Settings settings;
  private ScheduledExecutorService timers;
  private ExecutorService delivery;
  private ExecutorService upstream;
  private ThreadPoolExecutor blockingWrites;

  /** Threads for writes that may block (HTTP/2 on Tomcat): each waits for its client, no more. */
  static final int BLOCKING_WRITERS = 256;

  protected Scheduling() {} // for CDI's proxy

  @Inject
  public Scheduling(Settings settings) {
    this.settings = settings;
  }

  @PostConstruct
  public void start() {
    ScheduledThreadPoolExecutor timerPool = new Timers(settings.timerThreads());
    timerPool.setRemoveOnCancelPolicy(true); // cancelled generations must not linger in the queue
    timers = timerPool;
    delivery =
        Executors.newFixedThreadPool(settings.deliveryThreads(), daemons("streamgate-delivery"));
    upstream = Executors.newCachedThreadPool(daemons("streamgate-upstream"));
    blockingWrites =
        new ThreadPoolExecutor(
            BLOCKING_WRITERS,
            BLOCKING_WRITERS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), // a task per client at most: its follower waits for it
            daemons("streamgate-blocking-write"));
    blockingWrites.allowCoreThreadTimeOut(true); // none kept while no HTTP/2 client streams
  }

  @PreDestroy
  public void stop() {
    timers.shutdownNow();
    upstream.shutdownNow();
    blockingWrites.shutdownNow(); // a blocked write ends when Tomcat closes its connection
    delivery.shutdown();
    try {
      if (!delivery.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warning("delivery threads still busy after 5 s; interrupting them");
        delivery.shutdownNow();
      }
    } catch (InterruptedException e) {
      delivery.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  public ScheduledExecutorService timers() {
    return timers;
  }

  /** Carries on writing to a client whose last write finished later than it started. */
  public ExecutorService delivery() {
    return delivery;
  }

  /**
   * Writes to clients whose connection may block the writing thread: HTTP/2, which Tomcat writes
   * with blocking socket writes (up to its write timeout) whatever the servlet's non-blocking mode
   * says. A client that stops reading holds one of these threads, never a delivery thread or a
   * timer; what waits for a thread here is at most one write per client.
   */
  public ExecutorService blockingWrites() {
    return blockingWrites;
  }

  /** The upstream models' HTTP client runs here, apart from everything that writes to clients. */
  public ExecutorService upstream() {
    return upstream;
  }

  /**
   * The timer pool, where a repeating task (a sweep, a watchdog) that throws is logged and runs
   * again at its next time: a plain executor would silently never run it again.
   */
  private static final class Timers extends ScheduledThreadPoolExecutor {
    Timers(int threads) {
      super(threads, daemons("streamgate-timer"));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
        Runnable task, long initialDelay, long delay, TimeUnit unit) {
      return super.scheduleWithFixedDelay(keepGoing(task), initialDelay, delay, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(
        Runnable task, long initialDelay, long period, TimeUnit unit) {
      return super.scheduleAtFixedRate(keepGoing(task), initialDelay, period, unit);
    }
  }

  static Runnable keepGoing(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.log(Level.SEVERE, "a repeating task failed; it runs again at its next time", e);
      }
    };
  }

  private static ThreadFactory daemons(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
