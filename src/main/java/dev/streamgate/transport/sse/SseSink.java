package dev.streamgate.transport.sse;

import dev.streamgate.stream.FrameSink;
import dev.streamgate.stream.Slice;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Writes a follower's events to one JAX-RS {@link SseEventSink}: the hello, tokens (coalesced when
 * the client fell behind), then the end, each batch one non-blocking write through the {@link
 * SseExchange}. Jersey reports a failed write only through the stage {@code send} returns.
 */
final class SseSink implements FrameSink {

  private final SseEventSink sink;
  private final SseEvents events;
  private final SseExchange exchange;

  SseSink(SseEventSink sink, SseEvents events, SseExchange exchange) {
    this.sink = sink;
    this.events = events;
    this.exchange = exchange;
  }

  @Override
  public void open(Consumer<Throwable> written) {
    OutboundSseEvent hello = events.hello();
    exchange.send(() -> send(hello), written);
  }

  @Override
  public void write(Slice slice, Consumer<Throwable> written) {
    OutboundSseEvent tokens = slice.texts().isEmpty() ? null : events.tokens(slice);
    OutboundSseEvent end = slice.terminal() == null ? null : events.end(slice.terminal());
    exchange.send(
        () -> {
          if (tokens != null) {
            send(tokens);
          }
          if (end != null) {
            send(end);
          }
        },
        written);
  }

  @Override
  public void keepalive(Consumer<Throwable> written) {
    OutboundSseEvent keepalive = events.keepalive();
    exchange.send(() -> send(keepalive), written);
  }

  // Jersey writes the event into the exchange's buffer before send returns.
  private void send(OutboundSseEvent event) {
    CompletableFuture<?> sent = sink.send(event).toCompletableFuture();
    if (sent.isCompletedExceptionally()) {
      throw new IllegalStateException(new IOException("Jersey could not write the event"));
    }
  }

  @Override
  public void close() {
    exchange.close(this::closeSink);
  }

  @Override
  public void abort() {
    exchange.drop();
    closeSink();
  }

  private void closeSink() {
    try {
      sink.close();
    } catch (RuntimeException alreadyGone) {
      // Jersey may have torn the sink down first (shutting down): closed all the same.
    }
  }
}
