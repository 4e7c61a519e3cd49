package dev.streamgate.transport.sse;

import dev.streamgate.api.Cursors;
import dev.streamgate.api.ProblemResponses;
import dev.streamgate.metrics.GatewayMetrics;
import dev.streamgate.runtime.Settings;
import dev.streamgate.security.Caller;
import dev.streamgate.security.Limits;
import dev.streamgate.stream.Followers;
import dev.streamgate.stream.StreamRegistry;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.EventStream;
import dev.streamgate.transport.GenerationRoutes;
import dev.streamgate.transport.Methods;
import dev.streamgate.transport.ResponseChannel;
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

  @Inject StreamRegistry registry;
  @Inject Followers followers;
  @Inject GatewayMetrics metrics;
  @Inject Settings settings;
  @Inject Limits limits;

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    try {
      Methods.require("GET", request, response);
      Caller caller = Caller.of(request);
      TokenStream stream = registry.find(GenerationRoutes.idOf(request), caller.name());
      long cursor =
          Cursors.resume(request.getHeader("Last-Event-ID"), request.getParameter("after"), stream);
      EventStream events = EventStream.start(request, response, limits.connect(caller));
      followers.follow(
          stream,
          cursor,
          new SseFrames(events, stream.id(), settings.sseRetry().toMillis()),
          metrics.delivery("sse"),
          ResponseChannel.writesBlock(request));
    } catch (RuntimeException e) {
      if (!response.isCommitted()) {
        ProblemResponses.write(response, e);
      }
    }
  }
}
