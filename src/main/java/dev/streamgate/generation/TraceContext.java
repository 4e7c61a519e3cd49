package dev.streamgate.generation;

import java.util.regex.Pattern;

/**
 * A caller's W3C Trace Context ({@code traceparent}, optionally {@code tracestate}), passed on to
 * an upstream model so its spans join the caller's trace. Headers that do not follow the spec are
 * dropped, as the spec tells a receiver to do, never refused: tracing must not break a request.
 */
public record TraceContext(String traceparent, String tracestate) {

  /** No trace: the upstream request carries no trace headers. */
  public static final TraceContext NONE = new TraceContext(null, null);

  // version 00 (and future versions, which begin with the same four fields); ff is invalid
  private static final Pattern PARENT =
      Pattern.compile("(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}");
  private static final int MAX_STATE = 512; // the spec's list of 32 members fits comfortably
  private static final Pattern STATE = Pattern.compile("[\\x20-\\x7e]*");

  /** The context from the request's headers (either may be null); NONE if there is no valid one. */
  public static TraceContext of(String traceparent, String tracestate) {
    if (traceparent == null
        || traceparent.length() != 55
        || !PARENT.matcher(traceparent).matches()) {
      return NONE;
    }
    boolean stateOk =
        tracestate != null
            && !tracestate.isBlank()
            && tracestate.length() <= MAX_STATE
            && STATE.matcher(tracestate).matches();
    return new TraceContext(traceparent, stateOk ? tracestate.strip() : null);
  }
}
