package dev.streamgate.api;

import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.stream.Usage;

/**
 * A generation as {@code GET /api/generations/{id}} reports it; one consistent snapshot. {@code
 * on_disconnect} is what happens once no one reads it; {@code cancelled_by} why a cancelled one
 * ended ({@code client}, {@code disconnect}, {@code orphan_timeout}).
 */
public record GenerationStatus(
    String id,
    String model,
    String state,
    long tokens,
    String text,
    String finishReason,
    ErrorBody error,
    String onDisconnect,
    String cancelledBy,
    UsageBody usage) {

  /** Tokens used so far; {@code estimated} when the model gave no count of its own. */
  public record UsageBody(
      long promptTokens, long completionTokens, long totalTokens, boolean estimated) {}

  /** The error of a failed generation. */
  public record ErrorBody(String code, String message) {}

  public static GenerationStatus of(TokenStream stream) {
    Slice all = stream.read(0, Integer.MAX_VALUE);
    Terminal end = all.terminal();
    return new GenerationStatus(
        stream.id(),
        stream.model(),
        end == null ? "running" : end.state(),
        all.lastSeq(),
        all.text(),
        end == null ? null : end.reason().wire(),
        end != null && end.isError() ? new ErrorBody(end.errorCode(), end.errorMessage()) : null,
        stream.isMirror() ? null : stream.onDisconnect().wire(), // the producer's node knows
        end == null ? null : end.cancelledBy(),
        usage(Usage.of(stream.usage(), all.lastSeq())));
  }

  private static UsageBody usage(Usage usage) {
    return new UsageBody(
        usage.promptTokens(), usage.completionTokens(), usage.totalTokens(), usage.estimated());
  }
}
