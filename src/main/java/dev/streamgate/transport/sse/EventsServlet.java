package dev.streamgate.transport.sse;

import dev.streamgate.api.Cursors;
import dev.streamgate.api.ProblemResponses;
import dev.streamgate.runtime.Settings;
import dev.streamgate.security.Caller;
import dev.streamgate.security.Limits;
import dev.streamgate.stream.Followers;
import dev.streamgate.stream.StreamRegistry;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.EventStream;
import dev.streamgate.transport.GenerationRoutes;
import dev.streamgate.transport.Methods;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /api/generations/{id}/events}: the generation as Server-Sent Events, from the seq
 * after {@code Last-Event-ID} (what a browser's EventSource sends when it reconnects) or, on a
 * first connection, after {@code ?after=n}. An async servlet writing the frames itself, not a
 * JAX-RS {@code SseEventSink}: Jersey's sink registers no {@code AsyncListener}, so it goes on
 * writing to (and completes) a request Tomcat has already ended and recycled for the next
 * connection (Jersey #3719, Tomcat BZ 61768); here every write goes through {@link
 * dev.streamgate.transport.AsyncGuard}. It also costs a quarter of Jersey's CPU per event.
 */
public class EventsServlet extends HttpServlet {

  @Inject StreamRegistry registry;
  @Inject Followers followers;
  @Inject Settings settings;
  @Inject Limits limits;

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    try {
      Methods.require("GET", request, response);
      Caller caller = Caller.of(request);
      TokenStream stream = registry.find(GenerationRoutes.idOf(request), caller.name());
      // A reconnecting browser sends the original URL again: its Last-Event-ID is the newer cursor.
      String lastEventId = request.getHeader("Last-Event-ID");
      long cursor =
          lastEventId != null
              ? Cursors.parse(lastEventId, "Last-Event-ID", stream)
              : Cursors.parse(request.getParameter("after"), "after", stream);
      EventStream events = EventStream.start(request, response, limits.connect(caller));
      SseEvents format = new SseEvents(stream.id(), settings.sseRetry().toMillis());
      response.getOutputStream().write(format.hello().getBytes(StandardCharsets.UTF_8));
      response.flushBuffer(); // headers now, before the first token
      followers.follow(stream, cursor, new SseSink(events, format));
    } catch (RuntimeException e) {
      if (!response.isCommitted()) {
        ProblemResponses.write(response, e);
      }
    }
  }
}
