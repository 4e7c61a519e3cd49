package dev.streamgate.metrics;

import dev.streamgate.stream.Delivery;
import dev.streamgate.stream.StreamRegistry;
import dev.streamgate.stream.Terminal;
import dev.streamgate.stream.TokenStream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.binder.tomcat.TomcatMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gateway's figures in Prometheus' registry, for {@code GET /metrics}: generations and tokens
 * by model, time to first token, what each transport delivered and how late, open streams and
 * disconnects by transport, and the JVM's and Tomcat's own. Errors by code and the upstream models'
 * requests are counted where they happen, through Micrometer's global registry, which this one
 * joins. Generations are counted as they end and deliveries as writes finish: nothing is counted
 * per token on the model's side.
 */
@ApplicationScoped
public class GatewayMetrics {

  private static final Logger LOG = Logger.getLogger(GatewayMetrics.class.getName());

  /** Buckets for times to first token and delivery lags: from a frame's millisecond to a stall. */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30)
  };

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, TransportDelivery> transports = new ConcurrentHashMap<>();
  private JvmGcMetrics gc;
  private TomcatMetrics tomcat;

  @Inject StreamRegistry streams;

  /**
   * Help texts for the meters counted through the global registry, and for Tomcat's, which have
   * none.
   */
  private static final Map<String, String> HELP =
      Map.of(
          "streamgate.errors", "Error answers to clients, by code",
          "streamgate.upstream.request",
              "From a request to an upstream model to its response headers",
          "streamgate.upstream.failures", "Upstream model requests that failed, by error code");

  void atStartup(@Observes @Initialized(ApplicationScoped.class) Object event) {
    registry
        .config()
        // Prometheus' conventions (promtool check metrics): no abbreviated units in a name, no
        // _count on a gauge. CPU figures remain as process_cpu_usage and system_cpu_usage.
        .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
        .meterFilter(MeterFilter.deny(id -> id.getName().equals("system.cpu.count")))
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                if (id.getDescription() != null) {
                  return id;
                }
                String help =
                    HELP.getOrDefault(
                        id.getName(),
                        id.getName().startsWith("tomcat.") ? "Tomcat's " + id.getName() : null);
                return help == null
                    ? id
                    : new Meter.Id(
                        id.getName(),
                        Tags.of(id.getTagsAsIterable()),
                        id.getBaseUnit(),
                        help,
                        id.getType());
              }
            });
    new JvmMemoryMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    try {
      // Tomcat's MBeans, where there are. It listens to the JVM's MBean server for new ones: it
      // must
      // be closed with the application, or a later Tomcat in the same JVM calls a dead listener.
      tomcat = new TomcatMetrics(null, Tags.empty());
      tomcat.bindTo(registry);
    } catch (LinkageError | RuntimeException notTomcat) {
      LOG.log(Level.FINE, "no Tomcat metrics here", notTomcat);
    }
    for (String transport : new String[] {"sse", "openai", "websocket", "poll", "grpc"}) {
      delivery(transport);
    }
    Metrics.addRegistry(registry); // errors are counted where they are mapped, by code
    streams.onEnd(this::ended);
  }

  @PreDestroy
  void stop() {
    Metrics.removeRegistry(registry);
    if (gc != null) {
      gc.close();
    }
    if (tomcat != null) {
      tomcat.close();
    }
    registry.close();
  }

  /** The Prometheus text exposition of everything. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * What a transport's clients are sent: {@code sse}, {@code openai}, {@code websocket}, {@code
   * poll}.
   */
  public Delivery delivery(String transport) {
    return transports.computeIfAbsent(transport, TransportDelivery::new);
  }

  private void ended(TokenStream stream) {
    Terminal end = stream.terminal();
    String reason = end.reason().wire();
    Counter.builder("streamgate.generations")
        .description("Generations this node produced, counted as they end")
        .tags("model", stream.model(), "finish_reason", reason)
        .register(registry)
        .increment();
    Counter.builder("streamgate.tokens.generated")
        .description("Tokens the models wrote, counted as their generations end")
        .tag("model", stream.model())
        .register(registry)
        .increment(end.tokens());
    long ttft = stream.timeToFirstTokenNanos();
    if (ttft >= 0) {
      Timer.builder("streamgate.time.to.first.token")
          .description("From a generation's creation to its first token")
          .tag("model", stream.model())
          .serviceLevelObjectives(LATENCY_BUCKETS)
          .register(registry)
          .record(ttft, TimeUnit.NANOSECONDS);
    }
  }

  /** One transport's meters; its methods run on the writing threads and only add to counters. */
  private final class TransportDelivery implements Delivery {
    private final String transport;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter delivered;
    private final Timer lag;
    private final Map<String, Counter> disconnects = new ConcurrentHashMap<>();

    @Override
    public String transport() {
      return transport;
    }

    TransportDelivery(String transport) {
      this.transport = transport;
      Gauge.builder("streamgate.open.streams", open, AtomicInteger::get)
          .description("Clients following a stream now (parked polls for long polling)")
          .tag("transport", transport)
          .register(registry);
      delivered =
          Counter.builder("streamgate.tokens.delivered")
              .description("Tokens written to clients' sockets")
              .tag("transport", transport)
              .register(registry);
      lag =
          Timer.builder("streamgate.delivery.lag")
              .description("From the model writing a token to its write to the client finishing")
              .tag("transport", transport)
              .serviceLevelObjectives(LATENCY_BUCKETS)
              .register(registry);
      // A stream refused by a limit never started: it is in streamgate_errors_total by its code.
      for (String reason : new String[] {Delivery.CLIENT_GONE, Delivery.STUCK, Delivery.SHUTDOWN}) {
        disconnect(reason);
      }
    }

    private Counter disconnect(String reason) {
      return disconnects.computeIfAbsent(
          reason,
          r ->
              Counter.builder("streamgate.disconnects")
                  .description("Clients cut before their stream's end, by why")
                  .tags("transport", transport, "reason", r)
                  .register(registry));
    }

    @Override
    public void opened() {
      open.incrementAndGet();
    }

    @Override
    public void delivered(int tokens, long lagNanos) {
      delivered.increment(tokens);
      if (lagNanos >= 0) {
        lag.record(lagNanos, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void closed(String reason) {
      open.decrementAndGet();
      if (reason != null) {
        disconnect(reason).increment();
      }
    }
  }
}
