package dev.streamgate.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TraceContextTest {

  private static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void aValidTraceparentAndTracestateArePassedOn() {
    assertEquals(
        new TraceContext(PARENT, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
        TraceContext.of(PARENT, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
    assertEquals(new TraceContext(PARENT, null), TraceContext.of(PARENT, null));
  }

  @Test
  void headersThatBreakTheSpecAreDroppedNotRefused() {
    assertEquals(TraceContext.NONE, TraceContext.of(null, "a=b"));
    assertEquals(TraceContext.NONE, TraceContext.of(PARENT.toUpperCase(), null));
    assertEquals(TraceContext.NONE, TraceContext.of("ff" + PARENT.substring(2), null));
    assertEquals(
        TraceContext.NONE,
        TraceContext.of("00-00000000000000000000000000000000-00f067aa0ba902b7-01", null));
    assertEquals(
        TraceContext.NONE,
        TraceContext.of("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", null));
    assertEquals(TraceContext.NONE, TraceContext.of(PARENT + "-extra", null));
    assertEquals(TraceContext.NONE, TraceContext.of(PARENT + "\r\nX-Injected: 1", null));
    // a tracestate that is too long or not printable is dropped; the traceparent still goes
    assertEquals(new TraceContext(PARENT, null), TraceContext.of(PARENT, "a=" + "b".repeat(600)));
    assertEquals(new TraceContext(PARENT, null), TraceContext.of(PARENT, "a=b\r\nX: y"));
  }
}
