package dev.streamgate.transport;

import dev.streamgate.generation.GenerationRequest;
import dev.streamgate.generation.GenerationService;
import dev.streamgate.metrics.GatewayMetrics;
import dev.streamgate.security.Caller;
import dev.streamgate.security.Limits;
import dev.streamgate.stream.Delivery;
import dev.streamgate.stream.Follower;
import dev.streamgate.stream.Followers;
import dev.streamgate.stream.FrameSink;
import dev.streamgate.stream.StreamNotFoundException;
import dev.streamgate.stream.StreamRegistry;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.web.Problem;
import dev.streamgate.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * What every transport does between a caller and a generation, in one place: which generations a
 * caller may see, the connection slot a streaming client holds, admitting a new generation, and
 * following one from a cursor. A transport is this, its codec and its way of writing.
 */
@ApplicationScoped
public class Streams {

  private GenerationService generations;
  private StreamRegistry registry;
  private Limits limits;
  private Followers followers;
  private GatewayMetrics metrics;

  /** For CDI's proxy. */
  protected Streams() {}

  @Inject
  public Streams(
      GenerationService generations,
      StreamRegistry registry,
      Limits limits,
      Followers followers,
      GatewayMetrics metrics) {
    this.generations = generations;
    this.registry = registry;
    this.limits = limits;
    this.followers = followers;
    this.metrics = metrics;
  }

  /** A generation that was started for a client who streams it, and the slot that client holds. */
  public record Held(TokenStream stream, Runnable slot) {}

  /**
   * The generation {@code id} as {@code caller} may see it. Another key's generation, or another
   * generation than the one a caller's ticket is for, does not exist (404, never 403: ids are not
   * confirmed to strangers).
   */
  public TokenStream find(Caller caller, String id) {
    if (!caller.mayUse(id)) {
      throw new StreamNotFoundException(id);
    }
    return registry.find(id, caller.name());
  }

  /**
   * A connection slot ({@code STREAMGATE_MAX_CONNECTIONS}, the key's share, a ticket's own): a
   * streaming client holds one until it goes. The runnable gives it back, once.
   */
  public Runnable slot(Caller caller) {
    return limits.connect(caller);
  }

  /**
   * Starts {@code request} for {@code caller}, admitted by its key's rate and live limits. A ticket
   * reads one generation; starting one needs a key.
   */
  public TokenStream start(Caller caller, GenerationRequest request) {
    if (caller.onlyGeneration() != null) {
      throw new ProblemException(
          Problem.of(
              403,
              "forbidden",
              "A stream ticket reads one generation; starting one needs an API key."));
    }
    return generations.start(request, limits.admit(caller));
  }

  /**
   * The same for a client that streams what it starts: its slot first, so a request refused for
   * either leaves no generation running and no slot held.
   */
  public Held startHeld(Caller caller, GenerationRequest request) {
    Runnable slot = slot(caller);
    try {
      return new Held(start(caller, request), slot);
    } catch (RuntimeException refused) {
      slot.run();
      throw refused;
    }
  }

  /** What one transport's clients were sent, for the metrics. */
  public Delivery delivery(String transport) {
    return metrics.delivery(transport);
  }

  /**
   * Follows {@code stream} after {@code after} for one client of {@code transport}; {@code
   * writesBlock} when its writes may block the writing thread (HTTP/2).
   */
  public Follower follow(
      TokenStream stream, long after, FrameSink sink, String transport, boolean writesBlock) {
    return followers.follow(stream, after, sink, delivery(transport), writesBlock);
  }
}
