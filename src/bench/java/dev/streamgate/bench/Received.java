package dev.streamgate.bench;

import java.util.Arrays;

/**
 * One stream as a client received it, on any transport: which seqs came (lost, duplicated, out of
 * order), its text, its first token and each token's lag behind the model's own schedule. Used by
 * one thread at a time, with that thread's {@link Tally}.
 */
final class Received {

  private final Plan plan;
  private final long[] seen;
  private final StringBuilder text = new StringBuilder(2048);
  long requestNanos;
  boolean gotToken;
  long cursor; // the last seq received: where a resume starts
  private long maxSeq;
  private long received;
  boolean finished; // its end event came
  long doneTokens; // the token count its end event gave

  Received(Plan plan) {
    this.plan = plan;
    this.seen = new long[(plan.n() >> 6) + 2];
    reset(0);
  }

  /** A new stream, requested at {@code requestNanos}. */
  void reset(long requestNanos) {
    this.requestNanos = requestNanos;
    cursor = 0;
    maxSeq = 0;
    received = 0;
    gotToken = false;
    finished = false;
    doneTokens = -1;
    text.setLength(0);
    Arrays.fill(seen, 0);
  }

  /** Tokens {@code first..last} (their text concatenated) arrived at {@code now}. */
  void tokens(Tally tally, boolean window, long first, long last, String t, long now, boolean frame) {
    if (!gotToken) {
      gotToken = true;
      if (window) {
        tally.ttft.record(now - requestNanos);
      }
    }
    if (window && frame) {
      tally.framesInWindow++;
    }
    for (long seq = first; seq <= last; seq++) {
      if (seq < 1 || seq > plan.n()) {
        tally.error("seq " + seq + " outside 1.." + plan.n());
        continue;
      }
      int bit = (int) seq;
      long mask = 1L << (bit & 63);
      if ((seen[bit >> 6] & mask) != 0) {
        tally.duplicated++;
        continue;
      }
      seen[bit >> 6] |= mask;
      received++;
      if (seq < maxSeq) {
        tally.reordered++;
      }
      maxSeq = Math.max(maxSeq, seq);
      if (window) {
        tally.tokensInWindow++;
        tally.lag.record(now - plan.dueNanos(requestNanos, seq));
      }
    }
    cursor = Math.max(cursor, last);
    if (t != null) {
      text.append(t);
    }
  }

  /** The stream ended with its end event: counts what it lost and checks its text. */
  void done(Tally tally, int prompt) {
    tally.streamsCompleted++;
    tally.lost += Math.max(0, plan.n() - received);
    if (doneTokens != plan.n()) {
      tally.error("end event says " + doneTokens + " tokens, expected " + plan.n());
    }
    String expected = plan.expectedText(prompt);
    if (expected != null) {
      tally.streamsVerified++;
      if (!expected.contentEquals(text)) {
        tally.textMismatches++;
      }
    }
  }
}
