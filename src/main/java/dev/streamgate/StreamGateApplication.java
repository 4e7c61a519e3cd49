package dev.streamgate;

import dev.streamgate.api.GenerationsResource;
import dev.streamgate.api.JsonProvider;
import dev.streamgate.api.MetricsResource;
import dev.streamgate.api.ModelsResource;
import dev.streamgate.api.ProblemMapper;
import dev.streamgate.api.TicketsResource;
import dev.streamgate.transport.sse.EventsResource;
import dev.streamgate.transport.sse.SseShutdown;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Set;
import org.glassfish.jersey.jackson.JacksonFeature;

/** The JAX-RS application under {@code /api}: every resource and provider, listed. */
@ApplicationPath("api")
public class StreamGateApplication extends Application {

  @Override
  public Set<Class<?>> getClasses() {
    return Set.of(
        GenerationsResource.class,
        EventsResource.class,
        ModelsResource.class,
        MetricsResource.class,
        TicketsResource.class,
        ProblemMapper.class,
        JsonProvider.class,
        SseShutdown.class,
        JacksonFeature.class);
  }
}
