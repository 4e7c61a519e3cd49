package dev.streamgate.cluster;

import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.stream.Usage;
import io.lettuce.core.StreamMessage;
import java.util.Map;
import java.util.logging.Logger;

/**
 * This node's copy of a generation another node produces: applies the entries of its Redis log to a
 * local {@link TokenStream}, each token exactly once (an entry resent after a lost reply, or a
 * whole log resent after Redis lost it, repeats seqs the mirror already has: it skips them).
 */
final class Mirror {

  private static final Logger LOG = Logger.getLogger(Mirror.class.getName());

  private final TokenStream stream;
  private final String producer;
  private final String log;
  private volatile String lastId = "0-0";
  private int strikes; // sweeps in a row that found the producer's lease gone (sweeper only)

  Mirror(TokenStream stream, String producer) {
    this.stream = stream;
    this.producer = producer;
    this.log = Keys.log(stream.id());
  }

  TokenStream stream() {
    return stream;
  }

  String producer() {
    return producer;
  }

  String log() {
    return log;
  }

  String lastId() {
    return lastId;
  }

  /** Counts one sweep without the producer's lease; true from the second in a row. */
  boolean strike() {
    return ++strikes >= 2;
  }

  void pardon() {
    strikes = 0;
  }

  /** Applies one log entry (only ever from one thread at a time). */
  void apply(StreamMessage<String, String> entry) {
    lastId = entry.getId();
    Map<String, String> body = entry.getBody();
    String first = body.get("f");
    if (first != null) {
      appendTokens(Long.parseLong(first), body.get("l"), body.get("x"));
    }
    String end = body.get("e");
    if (end != null) {
      finish(end, body);
    }
  }

  private void appendTokens(long first, String lengths, String text) {
    int at = 0;
    long seq = first;
    for (String length : lengths.split(",")) {
      int end = at + Integer.parseInt(length);
      if (seq == stream.lastSeq() + 1) {
        stream.append(text.substring(at, end));
      } else if (seq > stream.lastSeq() + 1) {
        // Never expected: the producer appends in order from the last acknowledged seq.
        LOG.severe("gap in the log of " + stream.id() + " at seq " + seq);
        stream.fail("producer_lost", "The generation's log has a gap; it cannot go on.");
        return;
      }
      at = end;
      seq++;
    }
  }

  private void finish(String reason, Map<String, String> body) {
    String prompt = body.get("up");
    String completion = body.get("uc");
    if (prompt != null && !prompt.isEmpty() && completion != null && !completion.isEmpty()) {
      stream.reportUsage(new Usage(Long.parseLong(prompt), Long.parseLong(completion)));
    }
    FinishReason finish = FinishReason.ofWire(reason);
    if (finish == FinishReason.ERROR) {
      stream.fail(body.get("c"), body.get("m"));
    } else {
      if (finish == FinishReason.CANCELLED) {
        stream.endCancelled(
            body.get("c") == null || body.get("c").isEmpty() ? null : body.get("c"));
      } else {
        stream.finish(finish);
      }
    }
  }
}
