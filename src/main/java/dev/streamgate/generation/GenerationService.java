package dev.streamgate.generation;

import dev.streamgate.stream.StreamRegistry;
import dev.streamgate.stream.TokenStream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;

/** Starts generations: picks the backend for the request's model and registers its stream. */
@ApplicationScoped
public class GenerationService {

  private StreamRegistry registry;
  private Map<String, Generator> backends;

  protected GenerationService() {} // for CDI's proxy

  @Inject
  public GenerationService(StreamRegistry registry, SimulatedGenerator simulated) {
    this.registry = registry;
    this.backends = Map.of(SimulatedGenerator.MODEL, simulated);
  }

  /** Starts the generation at once and returns its stream. */
  public TokenStream start(GenerationRequest request) {
    Generator backend = backends.get(request.model());
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
    TokenStream stream = registry.open(request.model());
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
    return backends.keySet().stream().sorted().toList();
  }
}
