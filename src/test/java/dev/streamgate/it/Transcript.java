package dev.streamgate.it;

import java.util.ArrayList;
import java.util.List;

/**
 * What one client reassembled of one generation: token texts appended in order, with the last seq
 * as its cursor. A frame that does not start right after the cursor (a gap or a repeat) is
 * recorded, and {@link #text()} then fails, so every exact-text assertion also proves continuity.
 */
final class Transcript {

  private final long startedAfter;
  private final StringBuilder text = new StringBuilder();
  private final List<String> faults = new ArrayList<>();
  private long cursor;

  Transcript(long after) {
    this.startedAfter = after;
    this.cursor = after;
  }

  /** One frame carrying seqs {@code firstSeq..lastSeq} (one token, or several coalesced). */
  synchronized void append(long firstSeq, long lastSeq, String tokens) {
    if (firstSeq != cursor + 1 || lastSeq < firstSeq) {
      faults.add("frame " + firstSeq + ".." + lastSeq + " after cursor " + cursor);
    }
    text.append(tokens);
    cursor = Math.max(cursor, lastSeq);
  }

  /** The last seq received: what a client sends to resume. */
  synchronized long cursor() {
    return cursor;
  }

  synchronized long startedAfter() {
    return startedAfter;
  }

  /** The cursor and the text up to it, taken together. */
  synchronized Received received() {
    return new Received(cursor, text());
  }

  record Received(long cursor, String text) {}

  /** The reassembled text; fails if any frame was out of order. */
  synchronized String text() {
    if (!faults.isEmpty()) {
      throw new AssertionError("stream was not contiguous: " + faults);
    }
    return text.toString();
  }

  @Override
  public synchronized String toString() {
    return "Transcript(after " + startedAfter + ", cursor " + cursor + ", faults " + faults + ")";
  }
}
