package dev.streamgate.cluster;

import dev.streamgate.stream.CapacityException;
import dev.streamgate.stream.Cluster;
import dev.streamgate.stream.Owner;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.stream.UnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The cluster on Redis. Each generation this node produces is copied to a Redis Stream ({@link
 * Publication}); each generation another node produces that a client reads here gets one local
 * mirror ({@link Mirror}), fed by this node's single {@link MirrorReader}. A node holds a lease it
 * renews every second; when a producer's lease runs out, the first node to see it ends that
 * producer's generations with {@code producer_lost} for everyone. Cancels travel by pub/sub to the
 * producer's node, reader presence by a key that expires after the orphan timeout.
 */
public final class RedisCluster implements Cluster, AutoCloseable {

  static final String LOST_MESSAGE =
      "The node producing this generation stopped; the text so far stays readable.";
  private static final Logger LOG = Logger.getLogger(RedisCluster.class.getName());
  private static final long LIVE_TTL_MILLIS = TimeUnit.HOURS.toMillis(1);

  private final ClusterSettings settings;
  private final ScheduledExecutorService timers;
  private final RedisClient client;
  private final Map<String, Publication> publications = new ConcurrentHashMap<>();
  private final Map<String, Mirror> mirrors = new ConcurrentHashMap<>();
  private final Set<String> countedOwners = ConcurrentHashMap.newKeySet();
  private final Script open = Script.load("open.lua");
  private final Script append = Script.load("append.lua");
  private final Script lost = Script.load("lost.lua");
  private final Script bucket = Script.load("bucket.lua");
  private volatile StatefulRedisConnection<String, String> commands;
  private StatefulRedisPubSubConnection<String, String> cancels;
  private MirrorReader reader;
  private ScheduledFuture<?> sweeper;

  public RedisCluster(ClusterSettings settings, ScheduledExecutorService timers) {
    this.settings = settings;
    this.timers = timers;
    RedisURI uri = settings.uri();
    this.client = RedisClient.create(uri);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            // While Redis is away, fail at once (the callers answer 503 or retry from their own
            // log) instead of queueing commands without bound.
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .build());
  }

  /** Connects (or keeps trying in the background) and starts the lease and the sweeps. */
  public void start() {
    connect();
    sweeper = timers.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    LOG.info(
        "cluster node "
            + settings.node()
            + " on Redis at "
            + settings.uri().getHost()
            + ":"
            + settings.uri().getPort());
  }

  private synchronized void connect() {
    if (commands != null) {
      return;
    }
    try {
      StatefulRedisConnection<String, String> connection = client.connect();
      StatefulRedisPubSubConnection<String, String> subscriber = client.connectPubSub();
      subscriber.addListener(
          new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String id) {
              cancelHere(id);
            }
          });
      subscriber.sync().subscribe(Keys.cancels(settings.node()));
      StatefulRedisConnection<String, String> blocking = client.connect();
      blocking.setTimeout(MirrorReader.BLOCK.plus(settings.timeout()));
      connection.sync().set(Keys.lease(settings.node()), "1", leaseArgs());
      cancels = subscriber;
      reader = new MirrorReader(this, blocking, settings.node());
      reader.start();
      commands = connection;
    } catch (RuntimeException e) {
      LOG.warning("Redis is not reachable yet (" + e.getMessage() + "); retrying every second");
    }
  }

  private SetArgs leaseArgs() {
    return SetArgs.Builder.px(settings.lease().toMillis());
  }

  RedisAsyncCommands<String, String> redis() {
    StatefulRedisConnection<String, String> connection = commands;
    if (connection == null) {
      throw unavailable();
    }
    return connection.async();
  }

  @Override
  public boolean isAvailable() {
    StatefulRedisConnection<String, String> connection = commands;
    return connection != null && connection.isOpen();
  }

  private static UnavailableException unavailable() {
    return new UnavailableException(
        "cluster_unavailable",
        "The cluster's shared store (Redis) is not reachable; streams already running go on. Retry"
            + " shortly.",
        2);
  }

  private <T> T await(CompletionStage<T> reply) {
    try {
      return reply.toCompletableFuture().get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw unavailable();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable();
    }
  }

  @Override
  public long startWait(String owner, int perMinute) {
    return await(
        bucket.run(
            redis(),
            new String[] {Keys.starts(owner)},
            Integer.toString(perMinute),
            Double.toString(perMinute / 60.0)));
  }

  @Override
  public void publish(TokenStream stream, Owner owner) {
    boolean counted = owner.maxLive() != Integer.MAX_VALUE;
    long admitted = await(open(stream, counted ? owner.maxLive() : 0, counted));
    if (admitted == 0) {
      throw new CapacityException(
          "This key is running its maximum of "
              + owner.maxLive()
              + " generations at once across the cluster.",
          1);
    }
    if (counted) {
      countedOwners.add(owner.name());
    }
    Publication publication = new Publication(this, stream, counted);
    publications.put(stream.id(), publication);
    stream.observe(publication);
    publication.run(); // anything written before the observer was in place
  }

  /** Tells Redis about the stream again after Redis lost it; not counted against the owner. */
  CompletableFuture<Long> reopen(TokenStream stream) {
    try {
      return open(stream, 0, false);
    } catch (UnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Runs open.lua for the stream: {@code maxLive} 0 is no limit; see the script's arguments. */
  private CompletableFuture<Long> open(TokenStream stream, int maxLive, boolean counted) {
    return open.run(
        redis(),
        new String[] {Keys.meta(stream.id()), Keys.live(stream.owner())},
        settings.node(),
        stream.model(),
        stream.owner(),
        Long.toString(stream.createdAtMillis()),
        Long.toString(LIVE_TTL_MILLIS),
        Integer.toString(maxLive),
        Keys.LEASE_PREFIX,
        counted ? "1" : "0");
  }

  CompletableFuture<Long> append(TokenStream stream, Slice slice, boolean counted) {
    long ttl = slice.terminal() == null ? LIVE_TTL_MILLIS : settings.retention().toMillis() + 1000;
    try {
      return append.run(
          redis(),
          new String[] {Keys.meta(stream.id()), Keys.log(stream.id()), Keys.live(stream.owner())},
          Publication.arguments(
              settings.node(), slice, slice.terminal(), stream.usage(), counted, ttl));
    } catch (UnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The publication has written the end: nothing more to copy. */
  void published(Publication publication) {
    publications.remove(publication.stream().id(), publication);
  }

  void later(Runnable task, long delay, TimeUnit unit) {
    try {
      timers.schedule(task, delay, unit);
    } catch (RejectedExecutionException stopping) {
      LOG.fine("not retrying: the node is stopping");
    }
  }

  private void cancelHere(String id) {
    Publication publication = publications.get(id);
    if (publication != null) {
      // Off the Redis client's event loop: stopping a model may close an upstream connection.
      later(publication.stream()::cancel, 0, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public TokenStream mirror(String id) {
    Mirror known = mirrors.get(id);
    if (known != null) {
      return known.stream();
    }
    RedisAsyncCommands<String, String> redis = redis();
    Map<String, String> meta = await(redis.hgetall(Keys.meta(id)));
    if (meta == null || meta.isEmpty() || meta.get("owner") == null) {
      return null;
    }
    String producer = meta.get("node");
    TokenStream stream =
        new TokenStream(
            id,
            meta.get("model"),
            meta.get("owner"),
            Long.parseLong(meta.get("created")),
            () -> {});
    stream.mirrorOf(() -> redis().publish(Keys.cancels(producer), id));
    Mirror mirror = new Mirror(stream, producer);
    List<StreamMessage<String, String>> entries =
        await(redis.xrange(Keys.log(id), Range.create("-", "+")));
    entries.forEach(mirror::apply);
    if (stream.isEnded()) {
      return stream;
    }
    Mirror raced = mirrors.putIfAbsent(id, mirror);
    if (raced != null) {
      return raced.stream();
    }
    reader.wake();
    return stream;
  }

  /** The live mirrors, for the reader's next wait. */
  Map<String, Mirror> mirrors() {
    return mirrors;
  }

  void ended(Mirror mirror) {
    mirrors.remove(mirror.stream().id(), mirror);
  }

  @Override
  public CompletionStage<Boolean> readElsewhere(TokenStream stream) {
    try {
      return redis().exists(Keys.seen(stream.id())).thenApply(count -> count > 0);
    } catch (UnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  void sweep() {
    try {
      if (commands == null) {
        connect();
        return;
      }
      RedisAsyncCommands<String, String> redis = redis();
      redis.set(Keys.lease(settings.node()), "1", leaseArgs());
      syncLiveCounts(redis);
      long now = System.nanoTime();
      long presence = Math.max(settings.orphanTimeout().toMillis(), 2000);
      Map<String, List<Mirror>> byProducer = new HashMap<>();
      for (Mirror mirror : mirrors.values()) {
        TokenStream stream = mirror.stream();
        if (stream.isEnded()) {
          ended(mirror);
          continue;
        }
        if (stream.listenerCount() > 0 || !stream.isOrphaned(now, TimeUnit.SECONDS.toNanos(2))) {
          redis.set(Keys.seen(stream.id()), settings.node(), SetArgs.Builder.px(presence));
        }
        byProducer
            .computeIfAbsent(mirror.producer(), node -> new java.util.ArrayList<>())
            .add(mirror);
      }
      byProducer.forEach(
          (producer, theirs) ->
              redis
                  .exists(Keys.lease(producer))
                  .thenAccept(alive -> theirs.forEach(mirror -> checkProducer(mirror, alive > 0))));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cluster sweep failed; trying again in a second", e);
    }
  }

  private void syncLiveCounts(RedisAsyncCommands<String, String> redis) {
    Map<String, Integer> counts = new HashMap<>();
    for (Publication publication : publications.values()) {
      if (publication.counted() && !publication.stream().isEnded()) {
        counts.merge(publication.stream().owner(), 1, Integer::sum);
      }
    }
    for (String owner : new HashSet<>(countedOwners)) {
      int count = counts.getOrDefault(owner, 0);
      redis.hset(Keys.live(owner), settings.node(), Integer.toString(count));
      if (count == 0) {
        countedOwners.remove(owner);
      }
    }
  }

  private void checkProducer(Mirror mirror, boolean alive) {
    if (alive) {
      mirror.pardon();
      return;
    }
    if (!mirror.strike()) {
      return; // one miss may be a lease renewal racing a Redis restart: wait for a second one
    }
    String id = mirror.stream().id();
    lost.run(
            redis(),
            new String[] {Keys.meta(id), Keys.log(id), Keys.lease(mirror.producer())},
            Long.toString(settings.retention().toMillis() + 1000),
            LOST_MESSAGE)
        .thenAccept(
            outcome -> {
              if (outcome == 2) { // Redis forgot both: nobody else can end it
                mirror.stream().fail("producer_lost", LOST_MESSAGE);
                ended(mirror);
              }
            });
  }

  /** Sends what is left to send (up to two seconds), then lets go of the lease and Redis. */
  @Override
  public void close() {
    if (sweeper != null) {
      sweeper.cancel(false);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    try {
      while (!publications.isEmpty() && isAvailable() && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(10); // shutdown only: the last appends are in flight
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (reader != null) {
      reader.stop();
    }
    StatefulRedisConnection<String, String> connection = commands;
    if (connection != null) {
      try {
        connection.sync().del(Keys.lease(settings.node()));
      } catch (RuntimeException e) {
        LOG.fine("could not drop the lease; it expires by itself");
      }
      connection.close();
    }
    if (cancels != null) {
      cancels.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
