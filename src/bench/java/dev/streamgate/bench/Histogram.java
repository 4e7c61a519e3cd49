package dev.streamgate.bench;

/**
 * Latencies in 100 µs buckets up to 60 s (beyond that, the last bucket), with the exact maximum.
 * Fixed memory and one increment per value: the generator records every token.
 */
final class Histogram {

  private static final long BUCKET_NANOS = 100_000;
  private final long[] counts = new long[600_001];
  private long total;
  private long maxNanos;

  void record(long nanos) {
    long v = Math.max(0, nanos);
    int bucket = (int) Math.min(counts.length - 1, v / BUCKET_NANOS);
    counts[bucket]++;
    total++;
    if (v > maxNanos) {
      maxNanos = v;
    }
  }

  void add(Histogram other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    maxNanos = Math.max(maxNanos, other.maxNanos);
  }

  long count() {
    return total;
  }

  /** The value (ms) at quantile q: the upper edge of the bucket that holds it. */
  double percentileMs(double q) {
    if (total == 0) {
      return Double.NaN;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min((i + 1) * BUCKET_NANOS, maxNanos) / 1e6;
      }
    }
    return maxNanos / 1e6;
  }

  double maxMs() {
    return total == 0 ? Double.NaN : maxNanos / 1e6;
  }
}
