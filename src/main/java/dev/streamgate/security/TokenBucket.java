package dev.streamgate.security;

/** A rate limit: {@code capacity} at once, refilled at {@code perSecond}. Thread-safe. */
public final class TokenBucket {

  private final double capacity;
  private final double perNano;
  private double tokens;
  private long updated = System.nanoTime();

  TokenBucket(double capacity, double perSecond) {
    this.capacity = capacity;
    this.perNano = perSecond / 1e9;
    this.tokens = capacity;
  }

  /** Takes one token; if there is none, returns how many seconds until there is (at least 1). */
  public synchronized long take() {
    long now = System.nanoTime();
    tokens = Math.min(capacity, tokens + (now - updated) * perNano);
    updated = now;
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((1 - tokens) / perNano / 1e9));
  }
}
