package dev.streamgate.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  void aBadSettingStopsTheLauncherBeforeAnythingListensNamingIt() {
    System.setProperty("streamgate.keepalive", "15x");
    try {
      var refused =
          assertThrows(
              IllegalArgumentException.class, () -> Main.start(0, Path.of("no-webapp-needed")));
      assertEquals(
          "StreamGate cannot start: STREAMGATE_KEEPALIVE is not a duration"
              + " (like 500ms, 30s, 10m, 1h): 15x",
          refused.getMessage());
    } finally {
      System.clearProperty("streamgate.keepalive");
    }
  }
}
