package dev.streamgate.generation;

import dev.streamgate.stream.OnDisconnect;
import dev.streamgate.stream.Owner;
import dev.streamgate.stream.StreamRegistry;
import dev.streamgate.stream.TokenStream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;

/** Starts generations: picks the backend for the request's model and registers its stream. */
@ApplicationScoped
public class GenerationService {

  private StreamRegistry registry;
  private ModelCatalog catalog;

  protected GenerationService() {} // for CDI's proxy

  @Inject
  public GenerationService(StreamRegistry registry, ModelCatalog catalog) {
    this.registry = registry;
    this.catalog = catalog;
  }

  /** Starts the generation at once, for anyone, and returns its stream. */
  public TokenStream start(GenerationRequest request) {
    return start(request, Owner.ANYONE);
  }

  /** Starts the generation at once for {@code owner}, within its limits, and returns its stream. */
  public TokenStream start(GenerationRequest request, Owner owner) {
    Generator backend = catalog.find(request.model());
    if (backend == null) {
      throw new InvalidRequestException(
          "unknown_model",
          "model",
          "Unknown model '"
              + clip(request.model())
              + "'; available: "
              + String.join(", ", models())
              + ".");
    }
    TokenStream stream = registry.open(request.model(), owner);
    stream.onDisconnect(
        request.onDisconnect() == null ? OnDisconnect.KEEP : request.onDisconnect());
    try {
      backend.start(request, stream);
    } catch (RuntimeException e) {
      stream.abort("backend_unavailable", "The model backend could not start the generation.");
      throw e;
    }
    return stream;
  }

  private static String clip(String text) {
    return text.length() <= 64 ? text : text.substring(0, 64) + "…";
  }

  public List<String> models() {
    return catalog.names();
  }
}
