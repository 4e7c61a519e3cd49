package dev.streamgate.api;

import dev.streamgate.generation.GenerationRequests;
import dev.streamgate.generation.TraceContext;
import dev.streamgate.runtime.Settings;
import dev.streamgate.security.AccessPolicy;
import dev.streamgate.security.Caller;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.Streams;
import dev.streamgate.web.JsonBodies;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.InputStream;
import java.net.URI;

/** The control plane: create, inspect and cancel generations. */
@Path("generations")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
public class GenerationsResource {

  /** How long a cancel on a mirror waits for the producer's node to end the generation. */
  private static final java.time.Duration CANCEL_WAIT = java.time.Duration.ofSeconds(3);

  @Inject Streams streams;
  @Inject Settings settings;
  @Inject AccessPolicy access;

  /**
   * Where a new generation can be read, on each transport, and (when keys are required) a ticket
   * for browsers to read it with, since EventSource and WebSocket cannot send a key.
   */
  public record Created(String id, String state, String events, String poll, String ticket) {}

  @POST
  public Response create(InputStream body, @Context UriInfo uri, @Context HttpServletRequest http) {
    var request =
        GenerationRequests.fromJson(JsonBodies.read(body, settings.maxBodyBytes()))
            .inTrace(TraceContext.of(http.getHeader("traceparent"), http.getHeader("tracestate")));
    Caller caller = Caller.of(http);
    TokenStream stream = streams.start(caller, request);
    URI self = uri.getBaseUriBuilder().path("generations").path(stream.id()).build();
    String path = self.getRawPath();
    String ticket = access.isOpen() ? null : access.ticketFor(stream.id(), caller);
    return Response.created(self)
        .entity(new Created(stream.id(), "running", path + "/events", path + "/poll", ticket))
        .build();
  }

  @GET
  @Path("{id}")
  public GenerationStatus status(@PathParam("id") String id, @Context HttpServletRequest http) {
    return GenerationStatus.of(streams.find(Caller.of(http), id));
  }

  /** Cancels a running generation; answers its status, and is a no-op on a finished one. */
  @DELETE
  @Path("{id}")
  public GenerationStatus cancel(@PathParam("id") String id, @Context HttpServletRequest http) {
    TokenStream stream = streams.find(Caller.of(http), id);
    stream.cancel();
    if (stream.isMirror()) {
      stream.awaitEnd(CANCEL_WAIT); // the producer's node ends it; its end comes through the log
    }
    return GenerationStatus.of(stream);
  }
}
