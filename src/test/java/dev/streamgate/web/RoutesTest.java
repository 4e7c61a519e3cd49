package dev.streamgate.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RoutesTest {

  @Test
  void theGenerationPathsAndWhatEachAsksFor() {
    assertEquals(new Routes.Route("gen_abc", ""), Routes.of("/api/generations/gen_abc"));
    assertEquals(
        new Routes.Route("gen_abc", "events"), Routes.of("/api/generations/gen_abc/events"));
    assertEquals(new Routes.Route("gen_abc", "poll"), Routes.of("/api/generations/gen_abc/poll"));
    assertEquals(
        new Routes.Route("gen_abc", "completion"),
        Routes.of("/v1/chat/completions/chatcmpl-gen_abc"));
    assertEquals(
        new Routes.Route("gen_abc", "completion"), Routes.of("/v1/chat/completions/gen_abc"));
  }

  @Test
  void anythingElseNamesNoGeneration() {
    assertNull(Routes.of("/api/generations/gen_abc/other"));
    assertNull(Routes.of("/api/generations/gen_abc/"));
    assertNull(Routes.of("/api/generations//poll"));
    assertNull(Routes.of("/api/generations/a/b/poll"));
    assertNull(Routes.of("/api/generations/"));
    assertNull(Routes.of("/api/models"));
    assertNull(Routes.of("/v1/chat/completions"));
    assertNull(Routes.of("/v1/chat/completions/"));
    assertNull(Routes.of("/v1/chat/completions/chatcmpl-"));
    assertNull(Routes.of("/v1/chat/completions/gen_abc/events"));
    assertNull(Routes.of("/v1/models"));
    assertNull(Routes.generationOf("/ws"));
    assertEquals("gen_abc", Routes.generationOf("/api/generations/gen_abc/poll"));
  }

  @Test
  void errorsUnderV1AreOpenAis() {
    assertTrue(Routes.isOpenAi("/v1/chat/completions"));
    assertFalse(Routes.isOpenAi("/api/generations"));
  }
}
