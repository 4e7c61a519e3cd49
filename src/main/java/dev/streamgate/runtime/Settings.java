package dev.streamgate.runtime;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Configuration: each setting is the environment variable {@code STREAMGATE_NAME}, overridden by
 * the system property {@code streamgate.name} (lower case, {@code _} as {@code -}), else its
 * default. Durations are {@code 500ms}, {@code 15s}, {@code 10m}, {@code 1h} or plain seconds.
 */
@ApplicationScoped
public class Settings {

  private final UnaryOperator<String> lookup;
  // Each setting parsed once, at start (checkAll): nothing re-parses a value at run time.
  private final java.util.Map<String, Object> parsed =
      new java.util.concurrent.ConcurrentHashMap<>();

  public Settings() {
    this(Settings::fromEnvironment);
  }

  /** For tests: settings read from {@code lookup}, keyed by the environment variable's name. */
  public Settings(UnaryOperator<String> lookup) {
    this.lookup = lookup;
  }

  private static String fromEnvironment(String name) {
    String property = name.toLowerCase(Locale.ROOT).replace("streamgate_", "streamgate.");
    String value = System.getProperty(property.replace('_', '-'));
    return value != null ? value : System.getenv(name);
  }

  /** How long a live generation may have no reader before it is cancelled. */
  public Duration orphanTimeout() {
    return once(
        "orphanTimeout", () -> duration("STREAMGATE_ORPHAN_TIMEOUT", Duration.ofSeconds(30)));
  }

  /**
   * How long a generation whose request said {@code on_disconnect: cancel} may have no reader
   * before it is cancelled: long enough for a client to reconnect and resume.
   */
  public Duration disconnectGrace() {
    return once(
        "disconnectGrace", () -> duration("STREAMGATE_DISCONNECT_GRACE", Duration.ofSeconds(5)));
  }

  /** How long a finished generation stays readable. */
  public Duration retention() {
    return once("retention", () -> duration("STREAMGATE_RETENTION", Duration.ofMinutes(10)));
  }

  /** Generations running at once; beyond it new ones get 429. */
  public int maxLiveStreams() {
    return once("maxLiveStreams", () -> integer("STREAMGATE_MAX_STREAMS", 10_000));
  }

  /** Finished generations kept for resume; beyond it the oldest are evicted early. */
  public int maxRetainedStreams() {
    return once("maxRetainedStreams", () -> integer("STREAMGATE_MAX_RETAINED", 10_000));
  }

  /** Comment sent on an idle SSE stream so proxies and clients keep it open. */
  public Duration keepalive() {
    return once("keepalive", () -> duration("STREAMGATE_KEEPALIVE", Duration.ofSeconds(15)));
  }

  /**
   * What writes {@code /events}: {@code jaxrs} (Jersey's {@code SseEventSink}, the default) or
   * {@code servlet} (our own frames on the same non-blocking channel, as {@code /v1} does).
   */
  public boolean sseThroughServlet() {
    return once(
        "sseThroughServlet",
        () -> {
          String writer = string("STREAMGATE_SSE_WRITER", "jaxrs");
          return switch (writer) {
            case "jaxrs" -> false;
            case "servlet" -> true;
            default ->
                throw new IllegalArgumentException(
                    "STREAMGATE_SSE_WRITER is not jaxrs or servlet: " + writer);
          };
        });
  }

  /** The SSE {@code retry:} hint: how long a browser waits before it reconnects. */
  public Duration sseRetry() {
    return once("sseRetry", () -> duration("STREAMGATE_SSE_RETRY", Duration.ofSeconds(2)));
  }

  /** A write to a client that has not finished after this long drops the client. */
  public Duration stuckTimeout() {
    return once("stuckTimeout", () -> duration("STREAMGATE_STUCK_TIMEOUT", Duration.ofSeconds(30)));
  }

  /** The most heap one generation's log may hold; past it the generation ends with length. */
  public long maxGenerationBytes() {
    return once("maxGenerationBytes", () -> bytes("STREAMGATE_MAX_GENERATION_BYTES", 1L << 20));
  }

  /** The most heap live generations' logs may hold together; past it new ones get 429. */
  public long maxLiveBytes() {
    return once(
        "maxLiveBytes",
        () -> bytes("STREAMGATE_MAX_LIVE_BYTES", Runtime.getRuntime().maxMemory() / 4));
  }

  /** The most heap finished generations' logs may hold together; past it the oldest go early. */
  public long maxRetainedBytes() {
    return once(
        "maxRetainedBytes",
        () -> bytes("STREAMGATE_MAX_RETAINED_BYTES", Runtime.getRuntime().maxMemory() / 4));
  }

  /** Largest request body and WebSocket message, in bytes. */
  public int maxBodyBytes() {
    return once("maxBodyBytes", () -> integer("STREAMGATE_MAX_BODY", 1 << 20));
  }

  /**
   * How long a request body may take to arrive, all of it; a slower one gets {@code 408} and its
   * connection closed. No thread waits for it meanwhile.
   */
  public Duration bodyTimeout() {
    return once("bodyTimeout", () -> duration("STREAMGATE_BODY_TIMEOUT", Duration.ofSeconds(10)));
  }

  /**
   * Whether a follower writes a new token on the thread that appended it while its client keeps up
   * ({@code true}), or hands it to the delivery threads ({@code false}, the default: measured
   * faster on two cores, see the README's benchmark).
   */
  public boolean inlineWrites() {
    return once("inlineWrites", () -> bool("STREAMGATE_INLINE_WRITES", false));
  }

  /**
   * How long a stopping node lets the generations it produces run on before it ends them: 20 s in a
   * cluster (their readers are still served meanwhile), 0 on a single node.
   */
  public Duration drainTimeout() {
    return once(
        "drainTimeout",
        () -> {
          Duration fallback =
              string("STREAMGATE_REDIS_URL", null) == null ? Duration.ZERO : Duration.ofSeconds(20);
          return duration("STREAMGATE_DRAIN_TIMEOUT", fallback);
        });
  }

  /** Threads that write to clients. */
  public int deliveryThreads() {
    return once(
        "deliveryThreads",
        () -> atLeastOne("STREAMGATE_DELIVERY_THREADS", Math.max(4, 2 * cores())));
  }

  /** Threads that run the simulated model (one ticker each) and the timers. */
  public int timerThreads() {
    return once("timerThreads", () -> atLeastOne("STREAMGATE_TIMER_THREADS", Math.max(1, cores())));
  }

  // ---- limits (security.Limits) --------------------------------------------------------------

  /** Generations one API key may run at once. */
  public int keyMaxLive() {
    return once("keyMaxLive", () -> atLeastOne("STREAMGATE_KEY_MAX_LIVE", 100));
  }

  /** Generations one API key may start per minute. */
  public int keyRate() {
    return once("keyRate", () -> atLeastOne("STREAMGATE_KEY_RATE", 600));
  }

  /** Streams one API key may hold open at once. */
  public int keyMaxConnections() {
    return once("keyMaxConnections", () -> atLeastOne("STREAMGATE_KEY_MAX_CONNECTIONS", 1000));
  }

  /** Streams one stream ticket may hold open at once. */
  public int ticketMaxConnections() {
    return once("ticketMaxConnections", () -> atLeastOne("STREAMGATE_TICKET_MAX_CONNECTIONS", 4));
  }

  /** Streams open on the node in all; beyond it new ones get 503. */
  public int maxOpenStreams() {
    return once("maxOpenStreams", () -> atLeastOne("STREAMGATE_MAX_OPEN_STREAMS", 15_000));
  }

  /** Long polls parked on one generation at once. */
  public int pollsPerGeneration() {
    return once("pollsPerGeneration", () -> atLeastOne("STREAMGATE_POLLS_PER_GENERATION", 128));
  }

  /** Generations one WebSocket may follow at once. */
  public int wsMaxStreams() {
    return once("wsMaxStreams", () -> atLeastOne("STREAMGATE_WS_MAX_STREAMS", 16));
  }

  /** Messages per second one WebSocket may send (bursts of twice that). */
  public int wsRate() {
    return once("wsRate", () -> atLeastOne("STREAMGATE_WS_RATE", 20));
  }

  /** How long a stream ticket is valid. */
  public Duration ticketTtl() {
    return once("ticketTtl", () -> positive("STREAMGATE_TICKET_TTL", Duration.ofMinutes(5)));
  }

  /** An upstream model that sends nothing for this long fails its generation. */
  public Duration upstreamIdleTimeout() {
    return once(
        "upstreamIdleTimeout",
        () -> positive("STREAMGATE_UPSTREAM_IDLE_TIMEOUT", Duration.ofSeconds(60)));
  }

  // ---- the cluster (cluster.ClusterSettings); checked even without Redis -----------------------

  /** {@code redis://…} or {@code rediss://…}, or null for a single node. */
  public String redisUrl() {
    return once(
                "redisUrl",
                () -> {
                  String url = string("STREAMGATE_REDIS_URL", null);
                  if (url != null && !url.startsWith("redis://") && !url.startsWith("rediss://")) {
                    throw new IllegalArgumentException(
                        "STREAMGATE_REDIS_URL must start with redis:// or rediss://: " + url);
                  }
                  return url == null ? NONE : url;
                })
            instanceof String url
        ? url
        : null;
  }

  /** The Redis password when it is not in the URL; null if none. Never shown in a message. */
  public String redisPassword() {
    String password = string("STREAMGATE_REDIS_PASSWORD", null);
    if (password != null && redisUrl() == null) {
      throw new IllegalArgumentException(
          "STREAMGATE_REDIS_PASSWORD is set but STREAMGATE_REDIS_URL is not: set both, or neither"
              + " (the password is not shown)");
    }
    return password;
  }

  /** How long a node's lease lasts; it renews it every second. */
  public Duration redisLease() {
    return once(
        "redisLease",
        () -> {
          Duration lease = duration("STREAMGATE_REDIS_LEASE", Duration.ofSeconds(5));
          if (lease.compareTo(Duration.ofSeconds(2)) < 0) {
            throw new IllegalArgumentException(
                "STREAMGATE_REDIS_LEASE must be at least 2s (nodes renew it every second): "
                    + string("STREAMGATE_REDIS_LEASE", null));
          }
          return lease;
        });
  }

  /** The longest wait for Redis on a request. */
  public Duration redisTimeout() {
    return once("redisTimeout", () -> positive("STREAMGATE_REDIS_TIMEOUT", Duration.ofSeconds(2)));
  }

  /** This node's name in Redis, or null for a random one. */
  public String nodeId() {
    return once(
                "nodeId",
                () -> {
                  String node = string("STREAMGATE_NODE_ID", null);
                  if (node != null && !node.matches("[A-Za-z0-9._-]{1,64}")) {
                    throw new IllegalArgumentException(
                        "STREAMGATE_NODE_ID must be 1-64 letters, digits, '.', '_' or '-': "
                            + node);
                  }
                  return node == null ? NONE : node;
                })
            instanceof String node
        ? node
        : null;
  }

  /** Stands for "not set" in the memo, which holds no nulls. */
  private static final Object NONE = new Object();

  // ---- the embedded launcher (boot.Main) only -------------------------------------------------

  /** The launcher's port; 0 picks a free one. */
  public int port() {
    return once("port", () -> port("STREAMGATE_PORT", 8080));
  }

  /** The address the launcher listens on: an IP address or a host name. */
  public String address() {
    return once(
        "address",
        () -> {
          String address = string("STREAMGATE_ADDRESS", "0.0.0.0");
          if (!address.matches("[A-Za-z0-9.-]+|\\[?[0-9A-Fa-f:.]+]?")) {
            throw new IllegalArgumentException(
                "STREAMGATE_ADDRESS is not an IP address or a host name: " + address);
          }
          return address;
        });
  }

  /**
   * Whether the launcher speaks HTTP/2: h2 by ALPN on its HTTPS port, h2c on the plain one. Off by
   * default: Tomcat writes HTTP/2 frames with blocking socket writes on the writing thread, so a
   * client that stops reading can hold a delivery thread for its write timeout (see the README).
   */
  public boolean http2() {
    return once("http2", () -> bool("STREAMGATE_HTTP2", false));
  }

  /** The launcher's HTTPS port when STREAMGATE_TLS_CERT is set; 0 picks a free one. */
  public int tlsPort() {
    return once("tlsPort", () -> port("STREAMGATE_TLS_PORT", 8443));
  }

  private int port(String name, int fallback) {
    int port = integer(name, fallback);
    if (port > 65_535) {
      throw new IllegalArgumentException(name + " is not a port (0 to 65535): " + port);
    }
    return port;
  }

  /** Connections the launcher's connector holds open. */
  public int maxConnections() {
    return once("maxConnections", () -> atLeastOne("STREAMGATE_MAX_CONNECTIONS", 20_000));
  }

  /** The launcher's request threads. */
  public int maxThreads() {
    return once("maxThreads", () -> atLeastOne("STREAMGATE_MAX_THREADS", 200));
  }

  /** {@code text} or {@code json}: how the launcher writes log lines. */
  public String logFormat() {
    return once(
        "logFormat",
        () -> {
          String format = string("STREAMGATE_LOG_FORMAT", "text");
          if (!format.equals("text") && !format.equals("json")) {
            throw new IllegalArgumentException(
                "STREAMGATE_LOG_FORMAT is not text or json: " + format);
          }
          return format;
        });
  }

  /** Whether the launcher writes an access log. */
  public boolean accessLog() {
    return once("accessLog", () -> bool("STREAMGATE_ACCESS_LOG", true));
  }

  /** The webapp the launcher serves: a directory or a WAR that exists. */
  public Path webapp() {
    return once(
        "webapp",
        () -> {
          Path webapp = Path.of(string("STREAMGATE_WEBAPP", "target/streamgate")).toAbsolutePath();
          if (!Files.isDirectory(webapp) && !Files.isRegularFile(webapp)) {
            throw new IllegalArgumentException(
                "STREAMGATE_WEBAPP is not a webapp directory or WAR: "
                    + webapp
                    + " (run `mvn package` first)");
          }
          return webapp;
        });
  }

  /** Reads and checks the launcher's own settings (with {@link #checkAll}, before it listens). */
  public void checkLauncher() {
    port();
    tlsPort();
    http2();
    address();
    maxConnections();
    maxThreads();
    logFormat();
    accessLog();
  }

  private Duration positive(String name, Duration fallback) {
    Duration value = duration(name, fallback);
    if (value.isZero()) {
      throw new IllegalArgumentException(name + " must be more than 0: " + string(name, null));
    }
    return value;
  }

  private static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  @SuppressWarnings("unchecked")
  private <T> T once(String setting, java.util.function.Supplier<T> parse) {
    Object value = parsed.get(setting);
    if (value == null) {
      value = parse.get();
      parsed.put(setting, value);
    }
    return (T) value;
  }

  /**
   * Reads and checks every setting this class knows, as the application starts: a bad value stops
   * the start with a message naming the variable, rather than breaking something later.
   */
  public void checkAll() {
    orphanTimeout();
    disconnectGrace();
    retention();
    maxLiveStreams();
    maxRetainedStreams();
    keepalive();
    sseThroughServlet();
    sseRetry();
    stuckTimeout();
    maxGenerationBytes();
    maxLiveBytes();
    maxRetainedBytes();
    maxBodyBytes();
    bodyTimeout();
    inlineWrites();
    drainTimeout();
    deliveryThreads();
    timerThreads();
    keyMaxLive();
    keyRate();
    keyMaxConnections();
    ticketMaxConnections();
    maxOpenStreams();
    pollsPerGeneration();
    wsMaxStreams();
    wsRate();
    ticketTtl();
    upstreamIdleTimeout();
    redisUrl();
    redisPassword();
    redisLease();
    redisTimeout();
    nodeId();
  }

  void atStartup(
      @jakarta.enterprise.event.Observes
          @jakarta.enterprise.context.Initialized(ApplicationScoped.class)
          Object event) {
    checkAll();
  }

  /** {@code true} or {@code false}; anything else stops the start, naming the setting. */
  public boolean bool(String name, boolean fallback) {
    String value = string(name, Boolean.toString(fallback));
    return switch (value.toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(name + " is not true or false: " + value);
    };
  }

  public String string(String name, String fallback) {
    String value = lookup.apply(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  /**
   * Line-or-comma entries from the setting {@code name} plus, if {@code name_FILE} is set, the
   * lines of that file (for secrets and long lists that do not belong in one variable).
   */
  public String entries(String name) {
    StringBuilder entries = new StringBuilder(string(name, ""));
    String file = string(name + "_FILE", null);
    if (file != null) {
      try {
        entries.append('\n').append(Files.readString(Path.of(file)));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            name + "_FILE cannot be read: " + file + " (" + e.getClass().getSimpleName() + ")", e);
      }
    }
    return entries.toString();
  }

  private int atLeastOne(String name, int fallback) {
    int value = integer(name, fallback);
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1: " + value);
    }
    return value;
  }

  public int integer(String name, int fallback) {
    String value = string(name, null);
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed < 0) {
        throw new IllegalArgumentException(name + " must not be negative: " + value);
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is not a whole number: " + value, e);
    }
  }

  /** A size in bytes: {@code 1048576}, {@code 512k}, {@code 64m}, {@code 2g} (powers of 1024). */
  public long bytes(String name, long fallback) {
    String value = string(name, null);
    if (value == null) {
      return fallback;
    }
    String v = value.toLowerCase(Locale.ROOT);
    int shift =
        switch (v.charAt(v.length() - 1)) {
          case 'k' -> 10;
          case 'm' -> 20;
          case 'g' -> 30;
          default -> 0;
        };
    try {
      long amount = Long.parseLong(shift == 0 ? v : v.substring(0, v.length() - 1));
      if (amount <= 0 || amount > (Long.MAX_VALUE >> shift)) {
        throw new NumberFormatException();
      }
      return amount << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          name + " is not a size in bytes (like 1048576, 512k, 64m, 2g): " + value, e);
    }
  }

  public Duration duration(String name, Duration fallback) {
    String value = string(name, null);
    return value == null ? fallback : parseDuration(name, value);
  }

  static Duration parseDuration(String name, String value) {
    String v = value.toLowerCase(Locale.ROOT);
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long amount = Long.parseLong(v.replaceAll("[smh]$", ""));
      if (amount < 0) {
        throw new NumberFormatException();
      }
      return switch (v.charAt(v.length() - 1)) {
        case 'm' -> Duration.ofMinutes(amount);
        case 'h' -> Duration.ofHours(amount);
        default -> Duration.ofSeconds(amount);
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          name + " is not a duration (like 500ms, 30s, 10m, 1h): " + value, e);
    }
  }
}
