package dev.streamgate.security;

import jakarta.servlet.ServletRequest;

/**
 * Who is asking: the name of an API key, or {@link #ANONYMOUS} when the gateway runs open. A
 * generation belongs to the caller that created it.
 */
public record Caller(String name, boolean keyed, String onlyGeneration) {

  public static final Caller ANONYMOUS = new Caller("anonymous", false, null);

  /** A caller holding a stream ticket: the key that owns the generation, for that one only. */
  static Caller ticket(String owner, String generation) {
    return new Caller(owner, true, generation);
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
