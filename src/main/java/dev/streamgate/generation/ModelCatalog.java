package dev.streamgate.generation;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.runtime.Settings;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * The models a request may name: {@code simulated} always, plus the OpenAI-compatible upstreams
 * configured in {@code STREAMGATE_MODELS} (and the file {@code STREAMGATE_MODELS_FILE}), one entry
 * per line or separated by {@code ;}:
 *
 * <pre>public-name=base-url[|upstream-model[|api-key]]</pre>
 *
 * The key may be {@code env:VARIABLE} to read it from the environment instead of the entry.
 */
@ApplicationScoped
public class ModelCatalog {

  private static final Logger LOG = Logger.getLogger(ModelCatalog.class.getName());

  private Settings settings;
  private Scheduling scheduling;
  private SimulatedGenerator simulated;
  private Map<String, Generator> models;

  protected ModelCatalog() {} // for CDI's proxy

  @Inject
  public ModelCatalog(Settings settings, Scheduling scheduling, SimulatedGenerator simulated) {
    this.settings = settings;
    this.scheduling = scheduling;
    this.simulated = simulated;
  }

  @PostConstruct
  public void load() {
    Map<String, Generator> all = new LinkedHashMap<>();
    all.put(SimulatedGenerator.MODEL, simulated);
    List<Upstream> upstreams = upstreams(settings.entries("STREAMGATE_MODELS"), System::getenv);
    if (!upstreams.isEmpty()) {
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(10))
              .executor(scheduling.upstream())
              .build();
      Duration idle = settings.upstreamIdleTimeout();
      for (Upstream upstream : upstreams) {
        all.put(upstream.name(), new OpenAiGenerator(upstream, http, scheduling.timers(), idle));
        LOG.info(() -> "model " + upstream);
      }
    }
    models = Map.copyOf(all);
  }

  /** Loads the catalog as the application starts, so a bad entry stops the start, not a request. */
  void atStartup(@Observes @Initialized(ApplicationScoped.class) Object event) {
    names();
  }

  /** The backend for a model name, or null. */
  public Generator find(String model) {
    return models.get(model);
  }

  public List<String> names() {
    return models.keySet().stream().sorted().toList();
  }

  /** Parses model entries; a malformed one stops the start with a message saying which. */
  public static List<Upstream> upstreams(String entries, UnaryOperator<String> environment) {
    List<Upstream> upstreams = new ArrayList<>();
    for (String raw : entries.split("[;\\n]")) {
      String entry = raw.strip();
      if (entry.isEmpty() || entry.startsWith("#")) {
        continue;
      }
      int eq = entry.indexOf('=');
      String[] parts = eq < 0 ? new String[0] : entry.substring(eq + 1).split("\\|", -1);
      String name = eq < 0 ? "" : entry.substring(0, eq).strip();
      if (name.isEmpty() || parts.length == 0 || parts.length > 3 || parts[0].isBlank()) {
        // what follows a '|' may be an API key: never shown
        String shown = eq < 0 ? entry.split("\\|", 2)[0] : name;
        throw new IllegalArgumentException(
            "STREAMGATE_MODELS entry '"
                + shown
                + "' is not name=base-url[|upstream-model[|api-key]]");
      }
      URI base = URI.create(parts[0].strip());
      if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
        throw new IllegalArgumentException(
            "STREAMGATE_MODELS entry '"
                + name
                + "' needs an http or https base URL: "
                + parts[0].strip());
      }
      String model = parts.length > 1 && !parts[1].isBlank() ? parts[1].strip() : name;
      String key = parts.length > 2 && !parts[2].isBlank() ? parts[2].strip() : null;
      if (key != null && key.startsWith("env:")) {
        key = environment.apply(key.substring(4));
        if (key == null) {
          throw new IllegalArgumentException(
              "STREAMGATE_MODELS entry '"
                  + name
                  + "' reads its key from an environment variable that is not set");
        }
      }
      if (name.equals(SimulatedGenerator.MODEL)) {
        throw new IllegalArgumentException("'simulated' is the built-in model; pick another name");
      }
      upstreams.add(new Upstream(name, base, model, key));
    }
    return upstreams;
  }
}
