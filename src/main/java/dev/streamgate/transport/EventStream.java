package dev.streamgate.transport;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A {@code text/event-stream} response written by our own servlet ({@code /v1}): frames go out
 * through the request's non-blocking {@link ResponseChannel}, which ends once and gives back the
 * connection's slot.
 */
public final class EventStream {

  private static final byte[] KEEPALIVE = ": keepalive\n\n".getBytes(StandardCharsets.UTF_8);

  private final ResponseChannel channel;

  private EventStream(ResponseChannel channel) {
    this.channel = channel;
  }

  /**
   * Sets the status and the headers every event stream needs, sends them (so the client sees them
   * before the first token), and makes the request async with no timeout: keepalives find clients
   * that are gone. {@code release} runs once when the stream ends, or at once if it cannot start.
   */
  public static EventStream start(
      HttpServletRequest request, HttpServletResponse response, Runnable release)
      throws IOException {
    try {
      response.setStatus(200);
      response.setContentType("text/event-stream;charset=UTF-8");
      response.setHeader("Cache-Control", "no-cache");
      // nginx buffers proxied responses unless told not to; an event stream must flow as written.
      response.setHeader("X-Accel-Buffering", "no");
      // Headers only, on the request thread of a fresh response: they fit any socket buffer. From
      // here on every write is non-blocking.
      response.flushBuffer();
      AsyncContext async = request.startAsync();
      async.setTimeout(0);
      return new EventStream(ResponseChannel.open(async, response, release));
    } catch (IOException | RuntimeException e) {
      release.run(); // the client left before its stream started
      if (request.isAsyncStarted()) {
        try {
          request.getAsyncContext().complete();
        } catch (IllegalStateException alreadyEnding) {
          e.addSuppressed(alreadyEnding); // the container is ending it: what failed first is told
        }
      }
      throw e;
    }
  }

  /** Sends {@code frames}; {@code written} hears null once they are out, or the failure. */
  public void send(String frames, Consumer<Throwable> written) {
    channel.send(frames.getBytes(StandardCharsets.UTF_8), written);
  }

  /** A comment line: keeps proxies from closing an idle stream and finds clients that are gone. */
  public void keepalive(Consumer<Throwable> written) {
    channel.send(KEEPALIVE, written);
  }

  /** Completes the response once what it was sent is out. */
  public void end() {
    channel.end();
  }

  /** Ends the response now, without waiting for a client that is stuck. */
  public void drop() {
    channel.drop();
  }
}
