package dev.streamgate.security;

import dev.streamgate.runtime.Settings;
import dev.streamgate.web.Problem;
import dev.streamgate.web.ProblemException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Who may call: API keys (hashed), stream tickets for browsers, and the origins allowed to open
 * WebSockets and read the API cross-site. Read once at startup; a bad setting stops the start.
 */
@ApplicationScoped
public class AccessPolicy {

  private static final Logger LOG = Logger.getLogger(AccessPolicy.class.getName());

  private Settings settings;
  private ApiKeys keys;
  private Tickets tickets;
  private Set<String> allowedOrigins;
  private String publicOrigin;

  protected AccessPolicy() {} // for CDI's proxy

  @Inject
  public AccessPolicy(Settings settings) {
    this.settings = settings;
  }

  @PostConstruct
  public void load() {
    keys = ApiKeys.parse(settings.entries("STREAMGATE_API_KEYS"));
    String secret = settings.string("STREAMGATE_TICKET_SECRET", null);
    byte[] key = new byte[32];
    if (secret == null
        && !keys.isEmpty()
        && settings.string("STREAMGATE_REDIS_URL", null) != null) {
      throw new IllegalArgumentException(
          "STREAMGATE_TICKET_SECRET must be set, the same on every node, when STREAMGATE_API_KEYS"
              + " and STREAMGATE_REDIS_URL are: a ticket issued by one node is checked by another");
    }
    if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < 32) {
      throw new IllegalArgumentException(
          "STREAMGATE_TICKET_SECRET must be at least 32 bytes (e.g. `openssl rand -base64 32`);"
              + " the value given is shorter (not shown: it is a secret)");
    }
    if (secret == null) {
      new SecureRandom().nextBytes(key); // per node: a single node's tickets
    } else {
      key = secret.getBytes(StandardCharsets.UTF_8);
    }
    tickets = new Tickets(key, settings.ticketTtl());
    allowedOrigins =
        Arrays.stream(settings.string("STREAMGATE_ALLOWED_ORIGINS", "").split(","))
            .map(String::strip)
            .filter(origin -> !origin.isEmpty())
            .map(origin -> origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin)
            .map(AccessPolicy::allowedOrigin)
            .collect(Collectors.toUnmodifiableSet());
    publicOrigin = publicOrigin(settings.string("STREAMGATE_PUBLIC_ORIGIN", null));
    metricsAccess(); // checked now, with the keys it may name
  }

  void atStartup(@Observes @Initialized(ApplicationScoped.class) Object event) {
    // reads the settings now (through the proxy), so a bad key entry stops the start
    if (isOpen()) {
      LOG.warning(
          "STREAMGATE_API_KEYS is not set: the gateway is OPEN to anyone who can reach it."
              + " Set hashed API keys before exposing it.");
    } else {
      LOG.info(() -> keys.size() + " API keys loaded");
    }
  }

  /**
   * Who may read {@code GET /metrics} ({@code STREAMGATE_METRICS_ACCESS}): {@code open}, {@code
   * loopback} (the default when keys are configured), or the name of one API key.
   */
  public String metricsAccess() {
    String access =
        settings.string("STREAMGATE_METRICS_ACCESS", keys.isEmpty() ? "open" : "loopback");
    if (!access.equals("open") && !access.equals("loopback") && !keys.hasName(access)) {
      throw new IllegalArgumentException(
          "STREAMGATE_METRICS_ACCESS is not open, loopback or the name of an API key: " + access);
    }
    return access;
  }

  public boolean isOpen() {
    return keys.isEmpty();
  }

  /**
   * The caller for a request: its {@code Authorization: Bearer} key, else a ticket for {@code
   * generationId} (which may be null where no ticket is accepted), else anonymous on an open
   * gateway. Anything else is a 401.
   */
  public Caller authenticate(String authorization, String ticket, String generationId) {
    if (authorization != null && !authorization.isBlank()) {
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw unauthorized("Send the API key as 'Authorization: Bearer <key>'.");
      }
      String name = isOpen() ? null : keys.nameOf(authorization.substring(7).strip());
      if (isOpen()) {
        return Caller.ANONYMOUS; // an open gateway ignores keys rather than refusing them
      }
      if (name == null) {
        throw unauthorized("That API key is not valid.");
      }
      return Caller.key(name);
    }
    if (ticket != null && generationId != null) {
      Tickets.Ticket verified = tickets.verify(ticket, generationId, System.currentTimeMillis());
      if (verified == null) {
        throw unauthorized("The stream ticket is not valid for this generation, or has expired.");
      }
      return Caller.ticket(verified);
    }
    if (isOpen()) {
      return Caller.ANONYMOUS;
    }
    throw unauthorized(
        "This gateway needs an API key: 'Authorization: Bearer <key>'"
            + (generationId == null
                ? "."
                : ", or a stream ticket (?ticket=) for this generation."));
  }

  /**
   * The caller for a WebSocket handshake: its key, or a ticket, which limits the socket to the
   * ticket's generation (subscribe and cancel; generating needs a key).
   */
  public Caller authenticateSocket(String authorization, String ticket) {
    if ((authorization == null || authorization.isBlank()) && ticket != null) {
      Tickets.Ticket opened = tickets.open(ticket, System.currentTimeMillis());
      if (opened == null) {
        throw unauthorized("The stream ticket is not valid, or has expired.");
      }
      return Caller.ticket(opened);
    }
    return authenticate(authorization, null, null);
  }

  /** A ticket for reading and cancelling one generation, for clients that cannot send headers. */
  public String ticketFor(String generationId, Caller caller) {
    return tickets.issue(generationId, caller.name(), System.currentTimeMillis());
  }

  public long ticketTtlSeconds() {
    return tickets.ttl().toSeconds();
  }

  /** {@code STREAMGATE_PUBLIC_ORIGIN}: {@code http(s)://host[:port]}, or null when not set. */
  private static String publicOrigin(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String origin = value.strip().replaceFirst("/$", "");
    if (isOrigin(origin)) {
      return origin;
    }
    throw new IllegalArgumentException(
        "STREAMGATE_PUBLIC_ORIGIN must be the origin pages load the gateway from,"
            + " http(s)://host[:port] without a path: "
            + value);
  }

  /** One entry of STREAMGATE_ALLOWED_ORIGINS: {@code *}, or an origin as browsers send it. */
  private static String allowedOrigin(String entry) {
    if (entry.equals("*") || isOrigin(entry)) {
      return entry;
    }
    throw new IllegalArgumentException(
        "STREAMGATE_ALLOWED_ORIGINS entry is not * or an origin, http(s)://host[:port] without a"
            + " path: "
            + entry);
  }

  private static boolean isOrigin(String origin) {
    try {
      URI uri = URI.create(origin);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null
          && uri.getRawPath().isEmpty()
          && uri.getRawQuery() == null
          && uri.getRawFragment() == null
          && uri.getRawUserInfo() == null;
    } catch (IllegalArgumentException malformed) {
      return false;
    }
  }

  /**
   * True if a page from {@code origin} may use the API: it is on the allow-list, or it is this
   * gateway's own origin. That is {@code STREAMGATE_PUBLIC_ORIGIN} when set; otherwise the
   * request's {@code scheme://host[:port]}, but only for an IP address or {@code localhost}: the
   * {@code Host} header is the client's to choose, and a DNS name pointed at this gateway by its
   * attacker (DNS rebinding) would otherwise pass as the gateway's own origin.
   */
  public boolean allowsOrigin(String origin, String requestOrigin) {
    if (origin == null) {
      return true; // not a browser: keys decide
    }
    String normalized = origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin;
    if (allowedOrigins.contains("*") || allowedOrigins.contains(normalized)) {
      return true;
    }
    return publicOrigin != null
        ? sameOrigin(normalized, publicOrigin)
        : sameOrigin(normalized, requestOrigin) && cannotBeRebound(requestOrigin);
  }

  private static boolean cannotBeRebound(String origin) {
    try {
      String host = URI.create(origin).getHost();
      return host != null
          && (host.equalsIgnoreCase("localhost")
              || host.startsWith("[") // an IPv6 literal
              || host.matches("\\d{1,3}(\\.\\d{1,3}){3}"));
    } catch (IllegalArgumentException malformed) {
      return false;
    }
  }

  private static boolean sameOrigin(String origin, String own) {
    try {
      URI a = URI.create(origin);
      URI b = URI.create(own);
      return a.getScheme() != null
          && a.getScheme().equalsIgnoreCase(b.getScheme())
          && a.getHost() != null
          && a.getHost().equalsIgnoreCase(b.getHost())
          && port(a) == port(b);
    } catch (IllegalArgumentException malformed) {
      return false;
    }
  }

  private static int port(URI uri) {
    return uri.getPort() != -1
        ? uri.getPort()
        : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static ProblemException unauthorized(String detail) {
    return new ProblemException(Problem.of(401, "unauthorized", detail));
  }
}
