package dev.streamgate.security;

import jakarta.servlet.ServletRequest;

/**
 * Who is asking: the name of an API key, or {@link #ANONYMOUS} when the gateway runs open. A
 * generation belongs to the caller that created it. A ticket holder speaks for the key that owns
 * the ticket's generation, for that one only; {@code ticket} tells its ticket from others (null for
 * a key).
 */
public record Caller(String name, boolean keyed, String onlyGeneration, String ticket) {

  public static final Caller ANONYMOUS = new Caller("anonymous", false, null, null);

  /** The caller with an API key. */
  static Caller key(String name) {
    return new Caller(name, true, null, null);
  }

  static Caller ticket(Tickets.Ticket ticket) {
    return new Caller(ticket.owner(), true, ticket.generation(), ticket.id());
  }

  /** True unless the caller holds a ticket for another generation. */
  public boolean mayUse(String generationId) {
    return onlyGeneration == null || onlyGeneration.equals(generationId);
  }

  static final String ATTRIBUTE = Caller.class.getName();

  /** The caller {@link AccessFilter} found for this request. */
  public static Caller of(ServletRequest request) {
    Object caller = request.getAttribute(ATTRIBUTE);
    return caller instanceof Caller c ? c : ANONYMOUS;
  }
}
