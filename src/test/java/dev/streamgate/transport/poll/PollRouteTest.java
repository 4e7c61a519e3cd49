package dev.streamgate.transport.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class PollRouteTest {

  @Test
  void onlyTheLongPollPathIsRouted() {
    assertEquals("gen_abc", PollRoute.pollTarget("/api/generations/gen_abc/poll"));
    assertNull(PollRoute.pollTarget("/api/generations/gen_abc"));
    assertNull(PollRoute.pollTarget("/api/generations/gen_abc/events"));
    assertNull(PollRoute.pollTarget("/api/generations//poll"));
    assertNull(PollRoute.pollTarget("/api/generations/a/b/poll"));
    assertNull(PollRoute.pollTarget("/api/generations/poll"));
  }
}
