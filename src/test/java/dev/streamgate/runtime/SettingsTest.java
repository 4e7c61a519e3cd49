package dev.streamgate.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsTest {

  @Test
  void durationsTakeUnitsOrPlainSeconds() {
    assertEquals(Duration.ofMillis(500), Settings.parseDuration("X", "500ms"));
    assertEquals(Duration.ofSeconds(15), Settings.parseDuration("X", "15s"));
    assertEquals(Duration.ofSeconds(15), Settings.parseDuration("X", "15"));
    assertEquals(Duration.ofMinutes(10), Settings.parseDuration("X", "10m"));
    assertEquals(Duration.ofHours(1), Settings.parseDuration("X", "1H"));
  }

  /** Every setting {@link Settings#checkAll} reads, each with a value it must refuse. */
  @ParameterizedTest
  @CsvSource({
    "STREAMGATE_ORPHAN_TIMEOUT, 15x",
    "STREAMGATE_DISCONNECT_GRACE, soon",
    "STREAMGATE_RETENTION, -1",
    "STREAMGATE_MAX_STREAMS, many",
    "STREAMGATE_MAX_RETAINED, -5",
    "STREAMGATE_KEEPALIVE, 15x",
    "STREAMGATE_SSE_WRITER, netty",
    "STREAMGATE_SSE_RETRY, 2 s",
    "STREAMGATE_STUCK_TIMEOUT, 1d",
    "STREAMGATE_MAX_GENERATION_BYTES, 1.5m",
    "STREAMGATE_MAX_LIVE_BYTES, 0",
    "STREAMGATE_MAX_RETAINED_BYTES, lots",
    "STREAMGATE_MAX_BODY, 1m",
    "STREAMGATE_BODY_TIMEOUT, forever",
    "STREAMGATE_INLINE_WRITES, yes",
    "STREAMGATE_DRAIN_TIMEOUT, 20 seconds",
    "STREAMGATE_DELIVERY_THREADS, 0",
    "STREAMGATE_TIMER_THREADS, 0",
  })
  void everyBadValueStopsTheStartNamingItsSetting(String name, String value) {
    Settings settings = new Settings(Map.of(name, value)::get);
    var e = assertThrows(IllegalArgumentException.class, settings::checkAll);
    assertTrue(e.getMessage().startsWith(name + " "), e.getMessage());
    assertTrue(e.getMessage().contains(value), e.getMessage());
  }

  @Test
  void settingsAreReadOnceAndKept() {
    Map<String, String> values = new java.util.HashMap<>(Map.of("STREAMGATE_KEEPALIVE", "3s"));
    Settings settings = new Settings(values::get);
    settings.checkAll();
    values.put("STREAMGATE_KEEPALIVE", "15x");
    assertEquals(Duration.ofSeconds(3), settings.keepalive());
  }

  @Test
  void sizesTakeBinaryUnitsOrPlainBytes() {
    Settings settings =
        new Settings(
            Map.of("A", "1048576", "B", "512k", "C", "64M", "D", "2g", "E", "1.5m", "F", "0")::get);
    assertEquals(1L << 20, settings.bytes("A", 1));
    assertEquals(512L << 10, settings.bytes("B", 1));
    assertEquals(64L << 20, settings.bytes("C", 1));
    assertEquals(2L << 30, settings.bytes("D", 1));
    assertEquals(7, settings.bytes("unset", 7));
    var e = assertThrows(IllegalArgumentException.class, () -> settings.bytes("E", 1));
    assertEquals("E is not a size in bytes (like 1048576, 512k, 64m, 2g): 1.5m", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> settings.bytes("F", 1));
  }

  @Test
  void aBadValueIsRefusedWithItsName() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Settings.parseDuration("STREAMGATE_RETENTION", "ten minutes"));
    assertEquals(
        "STREAMGATE_RETENTION is not a duration (like 500ms, 30s, 10m, 1h): ten minutes",
        e.getMessage());
    Settings settings = new Settings(Map.of("STREAMGATE_MAX_STREAMS", "-4")::get);
    assertThrows(IllegalArgumentException.class, settings::maxLiveStreams);
  }

  @Test
  void defaultsApplyWhenNothingIsSet() {
    Settings settings = new Settings(Map.<String, String>of()::get);
    assertEquals(Duration.ofSeconds(30), settings.orphanTimeout());
    assertEquals(Duration.ofMinutes(10), settings.retention());
    assertEquals(Duration.ofSeconds(15), settings.keepalive());
    assertEquals(1 << 20, settings.maxBodyBytes());
  }

  @Test
  void aSystemPropertyOverridesTheEnvironment() {
    System.setProperty("streamgate.orphan-timeout", "7s");
    try {
      assertEquals(Duration.ofSeconds(7), new Settings().orphanTimeout());
    } finally {
      System.clearProperty("streamgate.orphan-timeout");
    }
  }
}
