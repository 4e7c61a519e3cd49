package dev.streamgate.stream;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.runtime.Settings;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Every stream by id: opens them under the live-stream limit, cancels those no reader has attached
 * to for the orphan timeout, and evicts finished ones after their retention (or the oldest finished
 * first when more are kept than allowed).
 */
@ApplicationScoped
public class StreamRegistry {

  private static final Logger LOG = Logger.getLogger(StreamRegistry.class.getName());
  // One generator per thread: the default (NativePRNG) serialises every caller on one global lock,
  // which made starting generations the bottleneck under load. DRBG seeds itself once from the OS.
  private static final ThreadLocal<SecureRandom> RANDOM =
      ThreadLocal.withInitial(StreamRegistry::newRandom);

  private final Map<String, TokenStream> streams = new ConcurrentHashMap<>();
  private final AtomicInteger live = new AtomicInteger();
  private final Map<String, AtomicInteger> liveByOwner = new ConcurrentHashMap<>();
  private Settings settings;
  private Scheduling scheduling;
  private Cluster cluster;
  private ScheduledFuture<?> sweeper;
  private volatile boolean draining;
  private volatile Limits limits;
  private final List<java.util.function.Consumer<TokenStream>> endListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The registry's settings, read once as it starts: a bad one stops the start, naming it. */
  private record Limits(
      int maxLiveStreams,
      int maxRetained,
      long maxGenerationBytes,
      long maxLiveBytes,
      long maxRetainedBytes,
      long orphanNanos,
      long graceNanos,
      long retentionNanos) {
    Limits(Settings settings) {
      this(
          settings.maxLiveStreams(),
          settings.maxRetainedStreams(),
          settings.maxGenerationBytes(),
          settings.maxLiveBytes(),
          settings.maxRetainedBytes(),
          settings.orphanTimeout().toNanos(),
          settings.disconnectGrace().toNanos(),
          settings.retention().toNanos());
    }
  }

  // The heap live generations' logs held at the last sweep: what a new one is admitted against.
  private volatile long liveBytes;
  // Ids evicted early (to bound memory), with their owners, so a client is told "evicted" rather
  // than "not found"; the most recent ones only.
  private final Map<String, String> evicted =
      java.util.Collections.synchronizedMap(
          new java.util.LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
              return size() > EVICTED_REMEMBERED;
            }
          });
  private static final int EVICTED_REMEMBERED = 10_000;

  protected StreamRegistry() {} // for CDI's proxy

  /** A registry that shares nothing: one node. */
  public StreamRegistry(Settings settings, Scheduling scheduling) {
    this(settings, scheduling, Cluster.LOCAL);
  }

  @Inject
  public StreamRegistry(Settings settings, Scheduling scheduling, Cluster cluster) {
    this.settings = settings;
    this.scheduling = scheduling;
    this.cluster = cluster;
  }

  @PostConstruct
  public void start() {
    limits = new Limits(settings);
    sweeper = scheduling.timers().scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
  }

  /** Ends every live stream so its readers see a clean end instead of a cut connection. */
  @PreDestroy
  public void stop() {
    sweeper.cancel(false);
    endAll();
  }

  /**
   * Cancels every live stream this node produces, as {@code shutdown}; idempotent. Mirrors go on in
   * the cluster: their readers resume on another node.
   */
  public void endAll() {
    for (TokenStream stream : streams.values()) {
      if (!stream.isMirror()) {
        stream.cancel(Terminal.BY_SHUTDOWN);
      }
    }
  }

  /**
   * Stops taking new generations and waits up to {@code timeout} for the ones this node produces to
   * finish, so a restart cuts none that could end on their own.
   */
  public void drain(java.time.Duration timeout) {
    draining = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (live.get() > 0 && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(20); // shutdown only: polls the count of live generations
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** True once the node has begun to drain: it takes no new generations. */
  public boolean isDraining() {
    return draining;
  }

  /** True if the node takes new generations: not draining, and the cluster is reachable. */
  public boolean isReady() {
    return !draining && cluster.isAvailable();
  }

  /** Registers a new stream with an unguessable id, or throws {@link CapacityException}. */
  public TokenStream open(String model) {
    return open(model, Owner.ANYONE);
  }

  /** Opens a stream for {@code owner}, within the global and the owner's live-stream limits. */
  public TokenStream open(String model, Owner owner) {
    if (draining) {
      throw new UnavailableException(
          "draining", "This node is restarting and takes no new generations; retry.", 1);
    }
    AtomicInteger mine = liveByOwner.computeIfAbsent(owner.name(), name -> new AtomicInteger());
    if (mine.incrementAndGet() > owner.maxLive()) {
      mine.decrementAndGet();
      throw new CapacityException(
          "This key is running its maximum of " + owner.maxLive() + " generations at once.", 1);
    }
    long maxLiveBytes = limits.maxLiveBytes();
    if (liveBytes > maxLiveBytes) {
      mine.decrementAndGet();
      throw new CapacityException(
          "The gateway's live generations hold their maximum of "
              + maxLiveBytes
              + " bytes (STREAMGATE_MAX_LIVE_BYTES).",
          1);
    }
    if (live.incrementAndGet() > limits.maxLiveStreams()) {
      live.decrementAndGet();
      mine.decrementAndGet();
      throw new CapacityException(
          "The gateway is running its maximum of " + limits.maxLiveStreams() + " generations.", 1);
    }
    TokenStream[] opened = new TokenStream[1];
    Runnable ended =
        () -> {
          live.decrementAndGet();
          mine.decrementAndGet();
          if (opened[0] != null) {
            logEnd(opened[0]);
            for (var listener : endListeners) {
              listener.accept(opened[0]);
            }
          }
        };
    TokenStream stream = new TokenStream(newId(), model, owner.name(), ended);
    stream.maxBytes(limits.maxGenerationBytes());
    try {
      cluster.publish(stream, owner);
    } catch (RuntimeException e) {
      ended.run(); // never started: its slots back, and no end to log
      throw e;
    }
    opened[0] = stream;
    streams.put(stream.id(), stream);
    return stream;
  }

  /** Tells {@code listener} of every generation this node produced, as it ends (the metrics). */
  public void onEnd(java.util.function.Consumer<TokenStream> listener) {
    endListeners.add(listener);
  }

  /**
   * One line per generation this node produced, when it ends, whatever way: what it cost (the usage
   * a bill needs), for whom, and why it ended.
   */
  private static void logEnd(TokenStream stream) {
    if (!LOG.isLoggable(java.util.logging.Level.INFO)) {
      return;
    }
    Terminal end = stream.terminal();
    Usage usage = stream.usageSoFar();
    String why =
        end.isError()
            ? "failed (" + end.errorCode() + ")"
            : end.cancelledBy() != null
                ? "cancelled (" + end.cancelledBy() + ")"
                : end.state() + " (" + end.reason().wire() + ")";
    LOG.info(
        () ->
            String.format(
                java.util.Locale.ROOT,
                "generation %s ended: %s; model %s, key %s, read over %s, %d tokens in %.1f s,"
                    + " first after %s; usage prompt %d, completion %d, total %d%s",
                stream.id(),
                why,
                stream.model(),
                stream.owner(),
                stream.readOver().isEmpty() ? "none" : String.join(" ", stream.readOver()),
                end.tokens(),
                (System.currentTimeMillis() - stream.createdAtMillis()) / 1000.0,
                stream.timeToFirstTokenNanos() < 0
                    ? "none"
                    : stream.timeToFirstTokenNanos() / 1_000_000 + " ms",
                usage.promptTokens(),
                usage.completionTokens(),
                usage.totalTokens(),
                usage.estimated() ? " (estimated)" : ""));
  }

  /** The stream by id: this node's own, or its mirror of one another node produces. */
  public TokenStream find(String id) {
    if (id == null) {
      throw new StreamNotFoundException(null);
    }
    TokenStream stream = streams.get(id);
    if (stream == null && id.startsWith("gen_")) {
      TokenStream mirror = cluster.mirror(id);
      if (mirror != null) {
        TokenStream raced = streams.putIfAbsent(id, mirror);
        stream = raced == null ? mirror : raced;
      }
    }
    if (stream == null) {
      throw new StreamNotFoundException(id);
    }
    return stream;
  }

  /** The stream if {@code owner} owns it; to anyone else it does not exist (404, not 403). */
  public TokenStream find(String id, String owner) {
    TokenStream stream;
    try {
      stream = find(id);
    } catch (StreamNotFoundException missing) {
      if (id != null && owner.equals(evicted.get(id))) {
        throw StreamNotFoundException.evicted(id);
      }
      throw missing;
    }
    if (!stream.owner().equals(owner)) {
      throw new StreamNotFoundException(id);
    }
    return stream;
  }

  public int liveCount() {
    return live.get();
  }

  public int size() {
    return streams.size();
  }

  private static String newId() {
    byte[] bytes = new byte[18]; // 144 random bits
    RANDOM.get().nextBytes(bytes);
    return "gen_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static SecureRandom newRandom() {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (java.security.NoSuchAlgorithmException e) {
      return new SecureRandom(); // every JDK 9+ has DRBG; this is only a fallback
    }
  }

  private void cancelUnlessReadElsewhere(TokenStream stream, long orphanNanos, String by) {
    cluster
        .readElsewhere(stream)
        .thenAccept(
            elsewhere -> {
              if (elsewhere) {
                stream.touch(); // a reader on another node counts as a reader
              } else if (stream.isOrphaned(System.nanoTime(), orphanNanos) && stream.cancel(by)) {
                LOG.fine(() -> "cancelled unread generation " + stream.id() + " (" + by + ")");
              }
            });
  }

  void sweep() {
    try {
      long now = System.nanoTime();
      long orphanNanos = limits.orphanNanos();
      long graceNanos = limits.graceNanos();
      long retentionNanos = limits.retentionNanos();
      int finished = 0;
      long live = 0;
      long retained = 0;
      for (TokenStream stream : streams.values()) {
        if (!stream.isEnded()) {
          live += stream.bytes();
          boolean cancelSoon = stream.onDisconnect() == OnDisconnect.CANCEL;
          long idle = cancelSoon ? Math.min(graceNanos, orphanNanos) : orphanNanos;
          if (!stream.isMirror() && stream.isOrphaned(now, idle)) {
            cancelUnlessReadElsewhere(
                stream, idle, cancelSoon ? Terminal.BY_DISCONNECT : Terminal.BY_ORPHAN_TIMEOUT);
          }
        } else if (now - stream.endedAtNanos() > retentionNanos) {
          streams.remove(stream.id());
        } else {
          finished++;
          retained += stream.bytes();
        }
      }
      liveBytes = live;
      evictOldest(finished - limits.maxRetained(), retained - limits.maxRetainedBytes());
    } catch (RuntimeException e) {
      LOG.log(java.util.logging.Level.SEVERE, "stream sweep failed", e); // keep sweeping
    }
  }

  /** Evicts finished streams, oldest first, until {@code streams} and {@code bytes} are made up. */
  private void evictOldest(int excessStreams, long excessBytes) {
    if (excessStreams <= 0 && excessBytes <= 0) {
      return;
    }
    List<TokenStream> oldestFirst =
        streams.values().stream()
            .filter(TokenStream::isEnded)
            .sorted(Comparator.comparingLong(TokenStream::endedAtNanos))
            .toList();
    for (TokenStream stream : oldestFirst) {
      if (excessStreams <= 0 && excessBytes <= 0) {
        break;
      }
      if (streams.remove(stream.id(), stream)) {
        evicted.put(stream.id(), stream.owner());
        excessStreams--;
        excessBytes -= stream.bytes();
      }
    }
  }
}
