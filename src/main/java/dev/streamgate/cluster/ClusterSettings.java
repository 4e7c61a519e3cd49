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
    // Each is checked even without Redis: a mistake in one stops the start either way.
    Duration timeout = settings.duration("STREAMGATE_REDIS_TIMEOUT", Duration.ofSeconds(2));
    Duration lease = settings.duration("STREAMGATE_REDIS_LEASE", Duration.ofSeconds(5));
    if (lease.compareTo(Duration.ofSeconds(2)) < 0) {
      throw new IllegalArgumentException(
          "STREAMGATE_REDIS_LEASE must be at least 2s (nodes renew it every second): "
              + settings.string("STREAMGATE_REDIS_LEASE", null));
    }
    if (timeout.isZero()) {
      throw new IllegalArgumentException(
          "STREAMGATE_REDIS_TIMEOUT must be more than 0: "
              + settings.string("STREAMGATE_REDIS_TIMEOUT", null));
    }
    String node = settings.string("STREAMGATE_NODE_ID", null);
    if (node != null && !node.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "STREAMGATE_NODE_ID must be 1-64 letters, digits, '.', '_' or '-': " + node);
    }
    String password = settings.string("STREAMGATE_REDIS_PASSWORD", null);
    String url = settings.string("STREAMGATE_REDIS_URL", null);
    if (url == null) {
      if (password != null) {
        throw new IllegalArgumentException(
            "STREAMGATE_REDIS_PASSWORD is set but STREAMGATE_REDIS_URL is not: set both, or"
                + " neither (the password is not shown)");
      }
      return null;
    }
    RedisURI uri;
    try {
      uri = RedisURI.create(url);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "STREAMGATE_REDIS_URL is not a Redis URL (redis://host:6379 or rediss://…): " + url, e);
    }
    if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
      throw new IllegalArgumentException(
          "STREAMGATE_REDIS_URL must start with redis:// or rediss://: " + url);
    }
    if (password != null) {
      uri.setAuthentication(password.toCharArray());
    }
    uri.setTimeout(timeout);
    if (node == null) {
      byte[] random = new byte[6];
      new SecureRandom().nextBytes(random);
      node = "node-" + HexFormat.of().formatHex(random);
    }
    return new ClusterSettings(
        uri, node, lease, timeout, settings.orphanTimeout(), settings.retention());
  }
}
