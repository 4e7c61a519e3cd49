package dev.streamgate.transport;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Starts a {@code text/event-stream} response that lives as long as its generation. */
public final class EventStreams {

  private EventStreams() {}

  /**
   * Sets the status and the headers every event stream needs, and makes the request async with no
   * timeout (keepalives find clients that are gone). Nothing is written yet.
   */
  public static AsyncContext start(HttpServletRequest request, HttpServletResponse response) {
    response.setStatus(200);
    response.setContentType("text/event-stream;charset=UTF-8");
    response.setHeader("Cache-Control", "no-cache");
    // nginx buffers proxied responses unless told not to; an event stream must flow as written.
    response.setHeader("X-Accel-Buffering", "no");
    AsyncContext async = request.startAsync();
    async.setTimeout(0);
    return async;
  }
}
