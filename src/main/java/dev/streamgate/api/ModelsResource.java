package dev.streamgate.api;

import dev.streamgate.generation.GenerationService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The models a generation request may name. */
@Path("models")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

  @Inject GenerationService generations;

  public record Models(List<String> models) {}

  @GET
  public Models list() {
    return new Models(generations.models());
  }
}
