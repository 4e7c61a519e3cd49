package dev.streamgate.transport.openai;

import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.FrameSink;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.EventStream;
import java.util.function.Consumer;

/**
 * Writes a follower's frames as OpenAI chunks to one async servlet response. A cancelled or failed
 * generation ends with an in-band error, which SDKs raise; then {@code [DONE]}.
 */
final class OpenAiSink implements FrameSink {

  private final EventStream response;
  private final OpenAiChunks chunks;
  private final TokenStream stream;
  private final boolean includeUsage;
  private boolean roleSent; // writes come one at a time

  OpenAiSink(
      EventStream response,
      OpenAiChunks chunks,
      TokenStream stream,
      boolean includeUsage,
      long after) {
    this.response = response;
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
        OpenAiChunks.event(frames, cursor, OpenAiChunks.error("cancelled", end.cancelledMessage()));
      } else {
        OpenAiChunks.event(frames, cursor, chunks.finish(end, roleSent));
      }
      if (includeUsage) { // on every ending: a cut-off stream is billed for what it produced
        OpenAiChunks.event(frames, cursor, chunks.usage(stream.usageSoFar()));
      }
      OpenAiChunks.done(frames);
    }
    response.send(frames.toString(), written);
  }

  @Override
  public void keepalive(Consumer<Throwable> written) {
    response.keepalive(written);
  }

  @Override
  public void close() {
    response.end();
  }

  @Override
  public void abort() {
    response.drop();
  }
}
