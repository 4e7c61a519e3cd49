package dev.streamgate.cluster;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's one reader of other nodes' logs: a single {@code XREAD BLOCK} over every live mirror
 * (and the node's wake stream, so a new mirror joins the wait at once), on its own connection and
 * thread. One read per node, not per client or per generation.
 */
final class MirrorReader implements Runnable {

  static final Duration BLOCK = Duration.ofSeconds(1);
  private static final Logger LOG = Logger.getLogger(MirrorReader.class.getName());

  private final RedisCluster cluster;
  private final StatefulRedisConnection<String, String> connection;
  private final String wake;
  private final Thread thread;
  private volatile boolean running = true;
  private String wakeId;

  MirrorReader(
      RedisCluster cluster, StatefulRedisConnection<String, String> connection, String node) {
    this.cluster = cluster;
    this.connection = connection;
    this.wake = Keys.wake(node);
    this.thread = new Thread(this, "streamgate-mirror-reader");
    thread.setDaemon(true);
  }

  void start() {
    wakeId = connection.sync().xadd(wake, XAddArgs.Builder.maxlen(1), "w", "1");
    thread.start();
  }

  /** Ends the current wait, so the next one includes a mirror just added. */
  void wake() {
    cluster.redis().xadd(wake, XAddArgs.Builder.maxlen(1), "w", "1");
  }

  void stop() {
    running = false;
    try {
      wake();
    } catch (RuntimeException e) {
      LOG.fine("no wake for the stopping reader");
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(3));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    connection.close();
  }

  @Override
  public void run() {
    RedisCommands<String, String> redis = connection.sync();
    while (running) {
      try {
        Map<String, Mirror> byLog = new HashMap<>();
        List<StreamOffset<String>> offsets = new ArrayList<>();
        offsets.add(StreamOffset.from(wake, wakeId));
        for (Mirror mirror : cluster.mirrors().values()) {
          byLog.put(mirror.log(), mirror);
          offsets.add(StreamOffset.from(mirror.log(), mirror.lastId()));
        }
        @SuppressWarnings("unchecked")
        StreamOffset<String>[] streams = offsets.toArray(new StreamOffset[0]);
        List<StreamMessage<String, String>> entries =
            redis.xread(XReadArgs.Builder.block(BLOCK).count(512), streams);
        for (StreamMessage<String, String> entry : entries) {
          if (entry.getStream().equals(wake)) {
            wakeId = entry.getId();
            continue;
          }
          Mirror mirror = byLog.get(entry.getStream());
          if (mirror != null) {
            mirror.apply(entry);
            if (mirror.stream().isEnded()) {
              cluster.ended(mirror);
            }
          }
        }
      } catch (RuntimeException e) {
        if (running) {
          LOG.log(Level.FINE, "reading the mirrored logs failed; retrying", e);
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250)); // Redis is away: retry
        }
      }
    }
  }
}
