package dev.streamgate.transport.sse;

import dev.streamgate.stream.FrameSink;
import dev.streamgate.stream.Slice;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Writes a follower's frames to one {@link SseEventSink}. Jersey's {@code send} writes on the
 * calling thread and reports a failed write only through the returned stage, never by throwing.
 */
final class SseSink implements FrameSink {

  private final SseEventSink sink;
  private final SseEvents events;
  private final Runnable release;

  /** {@code release} gives back the connection's slot when the sink closes (at most once). */
  SseSink(SseEventSink sink, SseEvents events, Runnable release) {
    this.sink = sink;
    this.events = events;
    this.release = release;
  }

  /**
   * The hello comment commits the response at once, so the client sees its headers before the first
   * token. Sent here, on the follower's thread, never from the request thread: two threads writing
   * to one Jersey sink can leave its events queued and never flushed.
   */
  @Override
  public void open(Consumer<Throwable> written) {
    send(events.hello()).whenComplete((ignored, failure) -> written.accept(failure));
  }

  @Override
  public void write(Slice slice, Consumer<Throwable> written) {
    CompletionStage<?> sent = slice.texts().isEmpty() ? null : send(events.tokens(slice));
    if (slice.terminal() != null) {
      sent =
          sent == null
              ? send(events.end(slice.terminal()))
              : sent.thenCompose(ignored -> send(events.end(slice.terminal())));
    }
    sent.whenComplete((ignored, failure) -> written.accept(failure));
  }

  @Override
  public void keepalive(Consumer<Throwable> written) {
    send(events.keepalive()).whenComplete((ignored, failure) -> written.accept(failure));
  }

  private CompletionStage<?> send(OutboundSseEvent event) {
    try {
      return sink.send(event);
    } catch (IllegalStateException closed) {
      return CompletableFuture.failedFuture(closed);
    }
  }

  @Override
  public void close() {
    release.run();
    try {
      sink.close();
    } catch (RuntimeException alreadyGone) {
      // Jersey may have torn the response down first (client gone, or shutting down): done anyway.
    }
  }

  @Override
  public void abort() {
    close();
  }
}
