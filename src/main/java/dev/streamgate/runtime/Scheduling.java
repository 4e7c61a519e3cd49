package dev.streamgate.runtime;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Owns the application's threads: a small timer pool (the simulated model's ticks, long-poll
 * deadlines, sweeps), the workers that carry on writing to clients that fell behind, and the
 * upstream models' HTTP client threads (their own, so nothing a client does can stop the gateway
 * reading a model). Nothing else creates threads.
 */
@ApplicationScoped
public class Scheduling {

  private static final Logger LOG = Logger.getLogger(Scheduling.class.getName());

  private Settings settings;
  private ScheduledExecutorService timers;
  private ExecutorService delivery;
  private ExecutorService upstream;

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
  }

  @PreDestroy
  public void stop() {
    timers.shutdownNow();
    upstream.shutdownNow();
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
