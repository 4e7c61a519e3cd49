package dev.streamgate.stream;

import java.util.Locale;

/**
 * What happens to a generation once no client reads it. {@link #CANCEL}: it is cancelled after
 * {@code STREAMGATE_DISCONNECT_GRACE} with no reader (a client that resumes within the grace still
 * finds it running); what SDK users expect, since they cannot resume. {@link #KEEP}: it runs on for
 * {@code STREAMGATE_ORPHAN_TIMEOUT}, so a client that drops can come back for the rest.
 */
public enum OnDisconnect {
  CANCEL,
  KEEP;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The policy named {@code wire} ({@code cancel} or {@code keep}), or null for anything else. */
  public static OnDisconnect ofWire(String wire) {
    for (OnDisconnect policy : values()) {
      if (policy.wire().equals(wire)) {
        return policy;
      }
    }
    return null;
  }
}
