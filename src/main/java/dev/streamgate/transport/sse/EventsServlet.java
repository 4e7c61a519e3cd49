package dev.streamgate.transport.sse;

import dev.streamgate.runtime.Settings;
import dev.streamgate.security.Caller;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.EventStream;
import dev.streamgate.transport.GenerationRoutes;
import dev.streamgate.transport.Methods;
import dev.streamgate.transport.ResponseChannel;
import dev.streamgate.transport.Streams;
import dev.streamgate.web.Cursors;
import dev.streamgate.web.ProblemResponses;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code /events} written by our own servlet instead of Jersey ({@code
 * STREAMGATE_SSE_WRITER=servlet}): the same wire format and resume rules as {@link EventsResource},
 * for teams that want no framework on the hot path, and for the benchmark's comparison of the two.
 */
public class EventsServlet extends HttpServlet {

  @Inject Streams streams;
  @Inject Settings settings;

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    try {
      Methods.require("GET", request, response);
      Caller caller = Caller.of(request);
      TokenStream stream = streams.find(caller, GenerationRoutes.idOf(request));
      long cursor =
          Cursors.resume(request.getHeader("Last-Event-ID"), request.getParameter("after"), stream);
      EventStream events = EventStream.start(request, response, streams.slot(caller));
      streams.follow(
          stream,
          cursor,
          new SseFrames(events, stream.id(), settings.sseRetry().toMillis()),
          "sse",
          ResponseChannel.writesBlock(request));
    } catch (RuntimeException e) {
      if (!response.isCommitted()) {
        ProblemResponses.write(response, e);
      }
    }
  }
}
