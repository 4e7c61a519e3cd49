package dev.streamgate.cluster;

import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.stream.Usage;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Copies one generation this node produces into its Redis log. At most one append is in flight: the
 * tokens written meanwhile go together in the next one, so a busy node sends fewer, larger batches
 * instead of a command per token. The local log is the buffer: an append that fails is retried from
 * the last seq Redis acknowledged, so an outage costs no memory beyond the log itself.
 */
final class Publication implements Runnable {

  private static final Logger LOG = Logger.getLogger(Publication.class.getName());

  private final RedisCluster cluster;
  private final TokenStream stream;
  private final boolean counted;
  private final AtomicBoolean sending = new AtomicBoolean();
  private volatile long published; // the last seq Redis acknowledged
  private volatile boolean endPublished;

  Publication(RedisCluster cluster, TokenStream stream, boolean counted) {
    this.cluster = cluster;
    this.stream = stream;
    this.counted = counted;
  }

  TokenStream stream() {
    return stream;
  }

  boolean counted() {
    return counted;
  }

  /** The stream changed (the listener): send what Redis does not have yet, unless a send runs. */
  @Override
  public void run() {
    if (!endPublished && sending.compareAndSet(false, true)) {
      send();
    }
  }

  private void send() {
    long from = published;
    Slice slice = stream.read(from, Integer.MAX_VALUE);
    Terminal end = slice.terminal();
    if (slice.texts().isEmpty() && end == null) {
      sending.set(false);
      if (stream.lastSeq() > published || stream.isEnded()) {
        run(); // written after our read
      }
      return;
    }
    cluster
        .append(stream, slice, counted)
        .whenComplete(
            (reply, failure) -> {
              if (failure != null) {
                LOG.log(Level.FINE, "append to " + stream.id() + " failed; retrying", failure);
                cluster.later(this::send, 500, TimeUnit.MILLISECONDS);
                return;
              }
              if (reply == -1) {
                // Redis lost the generation (restarted without persistence): tell it again,
                // then everything from the first token.
                cluster.reopen(stream).whenComplete((ok, again) -> resendAll(again));
                return;
              }
              published = slice.lastSeq();
              if (reply == 0 || end != null) {
                if (reply == 0) {
                  // Another node declared this node lost (it could not renew its lease): the
                  // cluster has ended the generation, so stop the model here too.
                  stream.abort("producer_lost", RedisCluster.LOST_MESSAGE);
                }
                endPublished = true;
                stream.observe(null);
                cluster.published(this);
              }
              sending.set(false);
              if (!endPublished && (stream.lastSeq() > published || stream.isEnded())) {
                run();
              }
            });
  }

  private void resendAll(Throwable failure) {
    if (failure == null) {
      published = 0;
      send();
    } else {
      cluster.later(this::send, 500, TimeUnit.MILLISECONDS);
    }
  }

  /** The append script's arguments for this slice: see append.lua. */
  static String[] arguments(
      String node, Slice slice, Terminal end, Usage usage, boolean counted, long ttlMillis) {
    List<String> texts = slice.texts();
    StringBuilder lengths = new StringBuilder(texts.size() * 3);
    for (String text : texts) {
      if (!lengths.isEmpty()) {
        lengths.append(',');
      }
      lengths.append(text.length());
    }
    return new String[] {
      node,
      Long.toString(slice.firstSeq()),
      lengths.toString(),
      slice.text(),
      Long.toString(ttlMillis),
      end == null ? "" : end.reason().wire(),
      end == null ? "" : Long.toString(end.tokens()),
      end == null || end.errorCode() == null ? "" : end.errorCode(),
      end == null || end.errorMessage() == null ? "" : end.errorMessage(),
      usage == null ? "" : Long.toString(usage.promptTokens()),
      usage == null ? "" : Long.toString(usage.completionTokens()),
      Integer.toString(texts.size()),
      counted ? "1" : "0"
    };
  }
}
