package dev.streamgate.stream;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.runtime.Settings;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Starts the followers that push streams to clients (SSE, WebSocket) and looks after them once a
 * second: a keepalive for the idle ones, a disconnect for the ones whose write is stuck.
 */
@ApplicationScoped
public class Followers {

  private static final Logger LOG = Logger.getLogger(Followers.class.getName());

  private final Set<Follower> active = ConcurrentHashMap.newKeySet();
  private final LongAdder stuckDrops = new LongAdder();
  private Settings settings;
  private Scheduling scheduling;
  private StreamRegistry registry;
  private ScheduledFuture<?> sweeper;
  private boolean inlineWrites;

  protected Followers() {} // for CDI's proxy

  @Inject
  public Followers(Settings settings, Scheduling scheduling, StreamRegistry registry) {
    this.settings = settings;
    this.scheduling = scheduling;
    this.registry = registry;
  }

  @PostConstruct
  public void start() {
    inlineWrites = settings.inlineWrites();
    sweeper = scheduling.timers().scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Before any bean is destroyed (while the threads still run): end every stream and give the
   * followers a moment to tell their clients, so they resume elsewhere instead of guessing.
   */
  void beforeShutdown(@Observes @BeforeDestroyed(ApplicationScoped.class) Object event) {
    registry.drain(settings.drainTimeout());
    endAllAndDrain();
  }

  /**
   * Ends every stream this node produces and waits (up to 2 s) for the followers to write the end
   * to clients. Readers of mirrors are dropped at once: the generation goes on in the cluster, and
   * they resume on another node.
   */
  public void endAllAndDrain() {
    active.stream().filter(follower -> follower.stream().isMirror()).forEach(Follower::abort);
    registry.endAll();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    try {
      while (active.stream().anyMatch(follower -> !follower.isClosed())
          && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(10); // shutdown only: polls the followers' last writes
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @PreDestroy
  public void stop() {
    sweeper.cancel(false);
    active.forEach(Follower::abort);
  }

  /**
   * Pushes {@code stream} to {@code sink} from seq {@code after + 1}, with keepalives when it is
   * idle, until the stream ends, the client goes away, or {@link Follower#close()}.
   */
  public Follower follow(TokenStream stream, long after, FrameSink sink) {
    return follow(stream, after, sink, Delivery.NONE);
  }

  /** The same, telling {@code delivery} what the client was sent (the transport's metrics). */
  public Follower follow(TokenStream stream, long after, FrameSink sink, Delivery delivery) {
    return follow(stream, after, sink, delivery, false);
  }

  /**
   * The same for a client whose writes may block the writing thread ({@code writesBlock}: HTTP/2):
   * its writes, keepalives and drops all run on {@link #blockingWrites()}.
   */
  public Follower follow(
      TokenStream stream, long after, FrameSink sink, Delivery delivery, boolean writesBlock) {
    Follower follower =
        writesBlock
            ? new Follower(stream, after, sink, blockingWrites(), false, delivery, true)
            : new Follower(
                stream, after, sink, scheduling.delivery(), inlineWrites, delivery, false);
    active.add(follower);
    follower.start();
    return follower;
  }

  /** Where writes that may block the writing thread go (HTTP/2): see Scheduling. */
  public Executor blockingWrites() {
    return scheduling.blockingWrites();
  }

  public int size() {
    return active.size();
  }

  /** Clients dropped so far because a write to them stayed stuck for the stuck timeout. */
  public long stuckDrops() {
    return stuckDrops.sum();
  }

  /**
   * For a one-shot answer (a long poll's, a whole completion's) still going out to a slow client:
   * after the stuck timeout, runs {@code drop}, which says whether it still had to drop anything;
   * on {@link #blockingWrites()} if {@code writesBlock} (HTTP/2), as it waits for a blocked write.
   */
  public void dropIfStuck(BooleanSupplier drop, boolean writesBlock) {
    Runnable dropNow =
        () -> {
          if (drop.getAsBoolean()) {
            stuckDrops.increment();
            LOG.info("dropped a client stuck on its answer");
          }
        };
    scheduling
        .timers()
        .schedule(
            writesBlock ? () -> blockingWrites().execute(dropNow) : dropNow,
            settings.stuckTimeout().toNanos(),
            TimeUnit.NANOSECONDS);
  }

  // Dropping a WebSocket sends a close frame, which Tomcat only sends blocking (for at most the
  // socket's short control timeout): never on the timer thread, which also drives the model.
  private void dropOffTimer(Follower follower) {
    try {
      scheduling.delivery().execute(() -> follower.abort(Delivery.STUCK));
    } catch (RejectedExecutionException shuttingDown) {
      follower.abort(Delivery.STUCK);
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    long keepalive = settings.keepalive().toNanos();
    long stuck = settings.stuckTimeout().toNanos();
    for (Follower follower : active) {
      if (follower.isClosed()) {
        active.remove(follower); // closed since the last sweep; nothing else holds on to it
      } else if (follower.isStuck(now, stuck)) {
        LOG.info(
            () ->
                "dropping a client stuck on "
                    + follower.stream().id()
                    + " at seq "
                    + follower.cursor());
        stuckDrops.increment();
        dropOffTimer(follower);
      } else {
        follower.keepaliveIfIdle(now, keepalive);
      }
    }
  }
}
