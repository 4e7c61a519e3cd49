package dev.streamgate.transport.openai;

import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.FrameSink;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.AsyncGuard;
import jakarta.servlet.AsyncContext;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Writes a follower's frames as OpenAI chunks to one async servlet response. A cancelled or failed
 * generation ends with an in-band error, which SDKs raise; then {@code [DONE]}.
 */
final class OpenAiSink implements FrameSink {

  private final OutputStream out;
  private final OpenAiChunks chunks;
  private final TokenStream stream;
  private final boolean includeUsage;
  private final AtomicBoolean completed = new AtomicBoolean();
  private final Runnable release;
  private final AsyncGuard guard;
  private boolean roleSent; // writes come one at a time

  OpenAiSink(
      AsyncContext async,
      OutputStream out,
      OpenAiChunks chunks,
      TokenStream stream,
      boolean includeUsage,
      long after,
      Runnable release) {
    this.release = release;
    this.guard = AsyncGuard.on(async);
    this.out = out;
    this.chunks = chunks;
    this.stream = stream;
    this.includeUsage = includeUsage;
    this.roleSent = after > 0;
  }

  @Override
  public void write(Slice slice, Consumer<Throwable> written) {
    StringBuilder frames = new StringBuilder(256);
    if (!slice.texts().isEmpty()) {
      OpenAiChunks.event(frames, slice.lastSeq(), chunks.content(slice));
      roleSent = true;
    }
    Terminal end = slice.terminal();
    if (end != null) {
      long cursor = slice.lastSeq(); // every chunk's id is the cursor after it, the end's too
      if (end.isError()) {
        OpenAiChunks.event(frames, cursor, OpenAiChunks.error(end.errorCode(), end.errorMessage()));
      } else if (end.reason() == FinishReason.CANCELLED) {
        OpenAiChunks.event(
            frames, cursor, OpenAiChunks.error("cancelled", "The generation was cancelled."));
      } else {
        OpenAiChunks.event(frames, cursor, chunks.finish(end, roleSent));
        if (includeUsage) {
          OpenAiChunks.event(
              frames, cursor, chunks.usage(OpenAiChunks.usageOf(stream.usage(), end.tokens())));
        }
      }
      OpenAiChunks.done(frames);
    }
    send(frames, written);
  }

  @Override
  public void keepalive(Consumer<Throwable> written) {
    send(new StringBuilder(": keepalive\n\n"), written);
  }

  private void send(StringBuilder frames, Consumer<Throwable> written) {
    guard.flush(out, frames.toString(), written);
  }

  @Override
  public void close() {
    if (completed.compareAndSet(false, true)) {
      release.run();
      guard.complete();
    }
  }

  /** Drops the client without waiting for a write that is stuck on it. */
  @Override
  public void abort() {
    if (completed.compareAndSet(false, true)) {
      release.run();
      guard.completeSoon();
    }
  }
}
