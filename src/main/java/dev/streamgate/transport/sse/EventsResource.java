package dev.streamgate.transport.sse;

import dev.streamgate.api.Cursors;
import dev.streamgate.runtime.Settings;
import dev.streamgate.security.Caller;
import dev.streamgate.security.Limits;
import dev.streamgate.stream.Followers;
import dev.streamgate.stream.StreamRegistry;
import dev.streamgate.stream.TokenStream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * {@code GET /api/generations/{id}/events}: the generation as Server-Sent Events, from the seq
 * after {@code Last-Event-ID} (what a browser's EventSource sends when it reconnects) or, on a
 * first connection, after {@code ?after=n}.
 */
@Path("generations/{id}/events")
@ApplicationScoped
public class EventsResource {

  @Inject StreamRegistry registry;
  @Inject Followers followers;
  @Inject Settings settings;
  @Inject Limits limits;

  @GET
  @Produces(MediaType.SERVER_SENT_EVENTS)
  public void events(
      @PathParam("id") String id,
      @HeaderParam("Last-Event-ID") String lastEventId,
      @QueryParam("after") String after,
      @Context SseEventSink sink,
      @Context Sse sse,
      @Context HttpServletRequest http) {
    Caller caller = Caller.of(http);
    TokenStream stream = registry.find(id, caller.name());
    // A reconnecting browser sends the original URL again, so its Last-Event-ID is the newer
    // cursor.
    long cursor =
        lastEventId != null
            ? Cursors.parse(lastEventId, "Last-Event-ID", stream)
            : Cursors.parse(after, "after", stream);
    Runnable release = limits.connect(caller);
    SseEvents events = new SseEvents(sse, id, settings.sseRetry().toMillis());
    SseSink client = new SseSink(sink, events, release);
    AfterJersey.run(http, () -> followers.follow(stream, cursor, client));
  }
}
