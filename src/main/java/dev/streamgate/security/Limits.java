package dev.streamgate.security;

import dev.streamgate.runtime.Settings;
import dev.streamgate.stream.Cluster;
import dev.streamgate.stream.Owner;
import dev.streamgate.web.Problem;
import dev.streamgate.web.ProblemException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What each caller, and the gateway as a whole, may hold: generations started per minute and live
 * at once per key, streaming connections per key and in all, long polls per generation. Over a
 * per-key limit is a 429, a full gateway a 503; both say when to retry, and neither touches the
 * streams already running. Per-key limits apply only to keyed callers.
 */
@ApplicationScoped
public class Limits {

  private Settings settings;
  private Cluster cluster;
  private int perKeyLive;
  private int perKeyPerMinute;
  private int perKeyConnections;
  private int perTicketConnections;
  private int connections;
  private int pollsPerGeneration;
  private int socketStreams;
  private int socketMessagesPerSecond;
  private final Map<String, TokenBucket> starts = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> connectionsByKey = new ConcurrentHashMap<>();
  private final Map<String, Integer> connectionsByTicket = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> pollsByGeneration = new ConcurrentHashMap<>();
  private final AtomicInteger open = new AtomicInteger();

  protected Limits() {} // for CDI's proxy

  /** Limits for a single node. */
  public Limits(Settings settings) {
    this(settings, Cluster.LOCAL);
  }

  @Inject
  public Limits(Settings settings, Cluster cluster) {
    this.settings = settings;
    this.cluster = cluster;
  }

  @PostConstruct
  public void load() {
    perKeyLive = settings.keyMaxLive();
    perKeyPerMinute = settings.keyRate();
    perKeyConnections = settings.keyMaxConnections();
    perTicketConnections = settings.ticketMaxConnections();
    connections = settings.maxOpenStreams();
    pollsPerGeneration = settings.pollsPerGeneration();
    socketStreams = settings.wsMaxStreams();
    socketMessagesPerSecond = settings.wsRate();
  }

  void atStartup(@Observes @Initialized(ApplicationScoped.class) Object event) {
    openStreams(); // reads the settings as the application starts
  }

  /** Admits one more generation start for the caller, and says what it may hold. */
  public Owner admit(Caller caller) {
    if (!caller.keyed()) {
      return Owner.ANYONE;
    }
    long wait = cluster.startWait(caller.name(), perKeyPerMinute); // one rate across the cluster
    if (wait < 0) {
      wait =
          starts
              .computeIfAbsent(
                  caller.name(), name -> new TokenBucket(perKeyPerMinute, perKeyPerMinute / 60.0))
              .take();
    }
    if (wait > 0) {
      throw tooMany(
          "rate_limited",
          "This key may start "
              + perKeyPerMinute
              + " generations a minute; retry in "
              + wait
              + " s.",
          wait);
    }
    return new Owner(caller.name(), perKeyLive);
  }

  /**
   * A streaming connection (SSE, WebSocket, parked long poll): released exactly once. A ticket's
   * connections count against the ticket, not its key, so a leaked ticket cannot lock the key out.
   */
  public Runnable connect(Caller caller) {
    if (caller.ticket() != null) {
      return connectTicket(caller.ticket());
    }
    if (open.incrementAndGet() > connections) {
      open.decrementAndGet();
      throw overloaded();
    }
    AtomicInteger mine =
        caller.keyed()
            ? connectionsByKey.computeIfAbsent(caller.name(), name -> new AtomicInteger())
            : null;
    if (mine != null && mine.incrementAndGet() > perKeyConnections) {
      mine.decrementAndGet();
      open.decrementAndGet();
      throw tooMany(
          "too_many_connections",
          "This key holds its maximum of " + perKeyConnections + " open streams.",
          1);
    }
    return once(
        () -> {
          open.decrementAndGet();
          if (mine != null) {
            mine.decrementAndGet();
          }
        });
  }

  private Runnable connectTicket(String ticket) {
    if (open.incrementAndGet() > connections) {
      open.decrementAndGet();
      throw overloaded();
    }
    boolean[] full = new boolean[1];
    connectionsByTicket.compute(
        ticket,
        (t, held) -> {
          int now = held == null ? 0 : held;
          full[0] = now >= perTicketConnections;
          return full[0] ? held : now + 1;
        });
    if (full[0]) {
      open.decrementAndGet();
      throw tooMany(
          "too_many_connections",
          "This ticket holds its maximum of " + perTicketConnections + " open streams.",
          1);
    }
    return once(
        () -> {
          open.decrementAndGet();
          connectionsByTicket.computeIfPresent(ticket, (t, held) -> held == 1 ? null : held - 1);
        });
  }

  private ProblemException overloaded() {
    return new ProblemException(
        Problem.of(
            503,
            "overloaded",
            "The gateway holds its maximum of " + connections + " open streams; retry shortly."),
        2);
  }

  /** A slot for one parked long poll on a generation: released exactly once. */
  public Runnable parkPoll(String generationId) {
    AtomicInteger polls =
        pollsByGeneration.computeIfAbsent(generationId, id -> new AtomicInteger());
    if (polls.incrementAndGet() > pollsPerGeneration) {
      polls.decrementAndGet();
      throw tooMany(
          "too_many_polls",
          "At most " + pollsPerGeneration + " long polls may wait on one generation at once.",
          1);
    }
    return once(
        () -> {
          if (polls.decrementAndGet() == 0) {
            pollsByGeneration.remove(generationId, polls);
          }
        });
  }

  /** How many generations one WebSocket may follow at once. */
  public int socketStreams() {
    return socketStreams;
  }

  /** Messages one WebSocket may send: the rate, with bursts of twice that. */
  public TokenBucket socketMessageRate() {
    return new TokenBucket(2.0 * socketMessagesPerSecond, socketMessagesPerSecond);
  }

  public int openStreams() {
    return open.get();
  }

  private static Runnable once(Runnable release) {
    AtomicBoolean done = new AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        release.run();
      }
    };
  }

  private static ProblemException tooMany(String code, String detail, long retryAfter) {
    return new ProblemException(Problem.of(429, code, detail), retryAfter);
  }
}
