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
  private ScheduledFuture<?> sweeper;

  protected StreamRegistry() {} // for CDI's proxy

  @Inject
  public StreamRegistry(Settings settings, Scheduling scheduling) {
    this.settings = settings;
    this.scheduling = scheduling;
  }

  @PostConstruct
  public void start() {
    sweeper = scheduling.timers().scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
  }

  /** Ends every live stream so its readers see a clean end instead of a cut connection. */
  @PreDestroy
  public void stop() {
    sweeper.cancel(false);
    endAll();
  }

  /** Ends every live stream with a {@code shutdown} error; idempotent. */
  public void endAll() {
    for (TokenStream stream : streams.values()) {
      stream.abort("shutdown", "The gateway is shutting down; resume on another node.");
    }
  }

  /** Registers a new stream with an unguessable id, or throws {@link CapacityException}. */
  public TokenStream open(String model) {
    return open(model, Owner.ANYONE);
  }

  /** Opens a stream for {@code owner}, within the global and the owner's live-stream limits. */
  public TokenStream open(String model, Owner owner) {
    AtomicInteger mine = liveByOwner.computeIfAbsent(owner.name(), name -> new AtomicInteger());
    if (mine.incrementAndGet() > owner.maxLive()) {
      mine.decrementAndGet();
      throw new CapacityException(
          "This key is running its maximum of " + owner.maxLive() + " generations at once.", 1);
    }
    if (live.incrementAndGet() > settings.maxLiveStreams()) {
      live.decrementAndGet();
      mine.decrementAndGet();
      throw new CapacityException(
          "The gateway is running its maximum of " + settings.maxLiveStreams() + " generations.",
          1);
    }
    Runnable ended =
        () -> {
          live.decrementAndGet();
          mine.decrementAndGet();
        };
    TokenStream stream = new TokenStream(newId(), model, owner.name(), ended);
    streams.put(stream.id(), stream);
    return stream;
  }

  public TokenStream find(String id) {
    TokenStream stream = id == null ? null : streams.get(id);
    if (stream == null) {
      throw new StreamNotFoundException(id);
    }
    return stream;
  }

  /** The stream if {@code owner} owns it; to anyone else it does not exist (404, not 403). */
  public TokenStream find(String id, String owner) {
    TokenStream stream = find(id);
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

  void sweep() {
    try {
      long now = System.nanoTime();
      long orphanNanos = settings.orphanTimeout().toNanos();
      long retentionNanos = settings.retention().toNanos();
      int finished = 0;
      for (TokenStream stream : streams.values()) {
        if (!stream.isEnded()) {
          if (stream.isOrphaned(now, orphanNanos) && stream.cancel()) {
            LOG.fine(() -> "cancelled orphaned generation " + stream.id());
          }
        } else if (now - stream.endedAtNanos() > retentionNanos) {
          streams.remove(stream.id());
        } else {
          finished++;
        }
      }
      int excess = finished - settings.maxRetainedStreams();
      if (excess > 0) {
        streams.values().stream()
            .filter(TokenStream::isEnded)
            .sorted(Comparator.comparingLong(TokenStream::endedAtNanos))
            .limit(excess)
            .forEach(stream -> streams.remove(stream.id()));
      }
    } catch (RuntimeException e) {
      LOG.log(java.util.logging.Level.SEVERE, "stream sweep failed", e); // keep sweeping
    }
  }
}
