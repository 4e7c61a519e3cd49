package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The one wait for a server a test depends on (a gateway node, nginx, Redis, a runtime the build
 * started): polls a check until it passes, and fails with the server's log once the server has
 * exited or the time is up. It never waits a fixed time: the bound is only a deadline.
 */
final class Startup {

  /** How often the check runs. */
  private static final Duration STEP = Duration.ofMillis(100);

  /** How much of a server's log a failure shows: its end, where a start-up error is. */
  private static final int LOG_LINES = 60;

  /** Whether a server is up: returns if it is, throws what it answered (or not) if not. */
  @FunctionalInterface
  interface Check {
    void run() throws IOException;
  }

  private Startup() {}

  /**
   * Runs {@code check} every 100 ms until it passes. Fails if {@code process} exits first, or after
   * {@code limit}, when it also kills the process and what it started.
   *
   * @param process the server's process, or {@code null} for one this run did not start
   * @param log where the server writes, or {@code null} if it is not on this machine
   */
  static void await(String what, Process process, Duration limit, Check check, Path log)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      if (process != null && !process.isAlive()) {
        fail(what + " exited with " + process.exitValue() + ":\n" + tail(log));
      }
      String last;
      try {
        check.run();
        return;
      } catch (IOException notYet) {
        last = notYet.toString();
      }
      if (System.nanoTime() > deadline) {
        if (process != null) {
          try (Stream<ProcessHandle> children = process.descendants()) {
            children.forEach(ProcessHandle::destroyForcibly);
          }
          process.destroyForcibly();
        }
        fail(
            what
                + " did not come up in "
                + limit.toSeconds()
                + " s; last: "
                + last
                + "\n"
                + tail(log));
      }
      Thread.sleep(STEP.toMillis()); // polls the check until the deadline
    }
  }

  /** Passes once {@code GET uri} answers 200. */
  static Check answers200(URI uri) {
    HttpRequest get = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build();
    return () -> {
      HttpResponse<String> response;
      try {
        response = Gateway.HTTP.send(get, HttpResponse.BodyHandlers.ofString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      if (response.statusCode() != 200) {
        throw new IOException(
            "GET " + uri + " answered " + response.statusCode() + " " + response.body());
      }
    };
  }

  /** Passes once a TCP connection to {@code port} on the loopback address is accepted. */
  static Check accepts(int port) {
    return () -> new Socket("127.0.0.1", port).close();
  }

  /** The last lines of {@code log}, or why there are none. */
  private static String tail(Path log) {
    if (log == null) {
      return "(the server runs elsewhere: no log here)";
    }
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_LINES), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
