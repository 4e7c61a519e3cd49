package dev.streamgate.cluster;

import dev.streamgate.runtime.Settings;
import io.lettuce.core.RedisURI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The cluster's settings, read and checked once: {@code STREAMGATE_REDIS_URL} ({@code redis://} or
 * {@code rediss://}), {@code STREAMGATE_REDIS_PASSWORD}, {@code STREAMGATE_REDIS_LEASE}, {@code
 * STREAMGATE_REDIS_TIMEOUT} and {@code STREAMGATE_NODE_ID}.
 */
public record ClusterSettings(
    RedisURI uri,
    String node,
    Duration lease,
    Duration timeout,
    Duration orphanTimeout,
    Duration retention) {

  /** The cluster's settings, or null when no Redis is configured (a single node). */
  public static ClusterSettings of(Settings settings) {
    String url = settings.redisUrl(); // checked, with the other cluster settings, by Settings
    if (url == null) {
      return null;
    }
    RedisURI uri;
    try {
      uri = RedisURI.create(url);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "STREAMGATE_REDIS_URL is not a Redis URL (redis://host:6379 or rediss://…): " + url, e);
    }
    String password = settings.redisPassword();
    if (password != null) {
      uri.setAuthentication(password.toCharArray());
    }
    Duration timeout = settings.redisTimeout();
    Duration lease = settings.redisLease();
    uri.setTimeout(timeout);
    String node = settings.nodeId();
    if (node == null) {
      byte[] random = new byte[6];
      new SecureRandom().nextBytes(random);
      node = "node-" + HexFormat.of().formatHex(random);
    }
    return new ClusterSettings(
        uri, node, lease, timeout, settings.orphanTimeout(), settings.retention());
  }
}
