package dev.streamgate.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class GenerationRoutesTest {

  @Test
  void onlyTheStreamingPathsAreRouted() {
    assertEquals("poll", GenerationRoutes.target("/api/generations/gen_abc/poll"));
    assertEquals("events", GenerationRoutes.target("/api/generations/gen_abc/events"));
    assertNull(GenerationRoutes.target("/api/generations/gen_abc"));
    assertNull(GenerationRoutes.target("/api/generations/gen_abc/other"));
    assertNull(GenerationRoutes.target("/api/generations//poll"));
    assertNull(GenerationRoutes.target("/api/generations/a/b/poll"));
    assertNull(GenerationRoutes.target("/api/generations/poll"));
    assertNull(GenerationRoutes.target("/api/models"));
  }
}
