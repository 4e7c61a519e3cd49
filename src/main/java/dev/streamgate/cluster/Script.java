package dev.streamgate.cluster;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

/**
 * One Lua script of ours, run by its SHA (EVALSHA) so a call sends only its arguments; a Redis that
 * does not know it yet (just started, or restarted) gets the source once (EVAL).
 */
final class Script {

  private final String source;
  private final String sha;

  private Script(String source) {
    this.source = source;
    try {
      this.sha =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-1")
                      .digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-1", e);
    }
  }

  static Script load(String name) {
    try (InputStream in = Script.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing script " + name);
      }
      return new Script(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs the script; completes with its integer reply. */
  CompletableFuture<Long> run(
      RedisAsyncCommands<String, String> redis, String[] keys, String... args) {
    return redis
        .<Long>evalsha(sha, ScriptOutputType.INTEGER, keys, args)
        .toCompletableFuture()
        .handle(
            (reply, failure) -> {
              if (failure == null) {
                return CompletableFuture.completedFuture(reply);
              }
              Throwable cause =
                  failure instanceof java.util.concurrent.CompletionException
                      ? failure.getCause()
                      : failure;
              if (cause instanceof RedisNoScriptException) {
                return redis
                    .<Long>eval(source, ScriptOutputType.INTEGER, keys, args)
                    .toCompletableFuture();
              }
              return CompletableFuture.<Long>failedFuture(cause);
            })
        .thenCompose(reply -> reply);
  }
}
