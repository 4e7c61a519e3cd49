package dev.streamgate.transport.sse;

import dev.streamgate.stream.FrameSink;
import dev.streamgate.stream.Slice;
import dev.streamgate.transport.EventStream;
import java.util.function.Consumer;

/**
 * The same events as {@link SseEvents}, written as text by our own servlet ({@code
 * STREAMGATE_SSE_WRITER=servlet}): Jersey's sink against no framework at all, on one channel.
 */
final class SseFrames implements FrameSink {

  private final EventStream stream;
  private final String id;
  private final long retryMillis;
  private boolean retrySent; // the writes to one client come one at a time

  SseFrames(EventStream stream, String id, long retryMillis) {
    this.stream = stream;
    this.id = id;
    this.retryMillis = retryMillis;
  }

  @Override
  public void open(Consumer<Throwable> written) {
    stream.send(": stream " + id + "\n\n", written);
  }

  @Override
  public void write(Slice slice, Consumer<Throwable> written) {
    StringBuilder frames = new StringBuilder(96 + slice.texts().size() * 16);
    if (!slice.texts().isEmpty()) {
      frames.append("event: token\nid: ").append(slice.lastSeq()).append('\n');
      data(retry(frames), SseEvents.tokenData(slice));
    }
    if (slice.terminal() != null) {
      frames.append(slice.terminal().isError() ? "event: error\n" : "event: done\n");
      data(retry(frames), SseEvents.endData(slice.terminal()));
    }
    stream.send(frames.toString(), written);
  }

  private StringBuilder retry(StringBuilder out) {
    if (!retrySent) {
      retrySent = true;
      out.append("retry: ").append(retryMillis).append('\n');
    }
    return out;
  }

  private static void data(StringBuilder out, String json) {
    out.append("data: ").append(json).append("\n\n");
  }

  @Override
  public void keepalive(Consumer<Throwable> written) {
    stream.keepalive(written);
  }

  @Override
  public void close() {
    stream.end();
  }

  @Override
  public void abort() {
    stream.drop();
  }
}
