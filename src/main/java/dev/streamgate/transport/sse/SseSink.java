package dev.streamgate.transport.sse;

import dev.streamgate.stream.FrameSink;
import dev.streamgate.stream.Slice;
import dev.streamgate.transport.EventStream;
import java.util.function.Consumer;

/**
 * Writes a follower's events to one async servlet response: tokens (coalesced when the client fell
 * behind), then the end, in one write and one flush per batch.
 */
final class SseSink implements FrameSink {

  private final EventStream stream;
  private final SseEvents events;

  SseSink(EventStream stream, SseEvents events) {
    this.stream = stream;
    this.events = events;
  }

  @Override
  public void write(Slice slice, Consumer<Throwable> written) {
    StringBuilder frames = new StringBuilder(96 + slice.texts().size() * 16);
    if (!slice.texts().isEmpty()) {
      events.tokens(frames, slice);
    }
    if (slice.terminal() != null) {
      events.end(frames, slice.terminal());
    }
    stream.send(frames.toString(), written);
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
