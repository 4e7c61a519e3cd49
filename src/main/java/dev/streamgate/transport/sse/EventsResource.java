package dev.streamgate.transport.sse;

import dev.streamgate.runtime.Settings;
import dev.streamgate.security.Caller;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.ResponseChannel;
import dev.streamgate.transport.Streams;
import dev.streamgate.web.Cursors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
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
 * first connection, after {@code ?after=n}. The events go to Jersey's {@link SseEventSink}, which
 * writes them through the request's {@link SseExchange} without ever blocking.
 */
@Path("generations/{id}/events")
@ApplicationScoped
public class EventsResource {

  @Inject Streams streams;
  @Inject Settings settings;

  @GET
  @Produces(MediaType.SERVER_SENT_EVENTS)
  public void events(
      @PathParam("id") String id,
      @HeaderParam("Last-Event-ID") String lastEventId,
      @QueryParam("after") String after,
      @Context SseEventSink sink,
      @Context Sse sse,
      @Context HttpServletRequest request,
      @Context HttpServletResponse response) {
    Caller caller = Caller.of(request);
    TokenStream stream = streams.find(caller, id);
    long cursor = Cursors.resume(lastEventId, after, stream);
    SseExchange exchange = SseExchange.of(request);
    if (exchange == null) {
      throw new IllegalStateException("/events is reached only through GenerationRoutes");
    }
    exchange.holdSlot(streams.slot(caller));
    response.setHeader("Cache-Control", "no-cache");
    // nginx buffers proxied responses unless told not to; an event stream must flow as written.
    response.setHeader("X-Accel-Buffering", "no");
    SseSink client =
        new SseSink(
            sink, new SseEvents(sse, stream.id(), settings.sseRetry().toMillis()), exchange);
    boolean writesBlock = ResponseChannel.writesBlock(request);
    exchange.afterJersey(() -> streams.follow(stream, cursor, client, "sse", writesBlock));
  }
}
