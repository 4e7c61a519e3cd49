package dev.streamgate.api;

import dev.streamgate.generation.GenerationRequests;
import dev.streamgate.generation.GenerationService;
import dev.streamgate.runtime.Settings;
import dev.streamgate.stream.StreamRegistry;
import dev.streamgate.stream.TokenStream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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

  @Inject GenerationService generations;
  @Inject StreamRegistry registry;
  @Inject Settings settings;

  /** Where a new generation can be read, on each transport. */
  public record Created(String id, String state, String events, String poll) {}

  @POST
  public Response create(InputStream body, @Context UriInfo uri) {
    var request = GenerationRequests.fromJson(JsonBodies.read(body, settings.maxBodyBytes()));
    TokenStream stream = generations.start(request);
    URI self = uri.getBaseUriBuilder().path("generations").path(stream.id()).build();
    String path = self.getRawPath();
    return Response.created(self)
        .entity(new Created(stream.id(), "running", path + "/events", path + "/poll"))
        .build();
  }

  @GET
  @Path("{id}")
  public GenerationStatus status(@PathParam("id") String id) {
    return GenerationStatus.of(registry.find(id));
  }

  /** Cancels a running generation; answers its status, and is a no-op on a finished one. */
  @DELETE
  @Path("{id}")
  public GenerationStatus cancel(@PathParam("id") String id) {
    TokenStream stream = registry.find(id);
    stream.cancel();
    return GenerationStatus.of(stream);
  }
}
