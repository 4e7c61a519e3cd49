package dev.streamgate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.runtime.Settings;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StreamRegistryTest {

  private Scheduling scheduling;
  private StreamRegistry registry;

  private StreamRegistry registry(Map<String, String> settings) {
    Settings config = new Settings(settings::get);
    scheduling = new Scheduling(config);
    scheduling.start();
    registry = new StreamRegistry(config, scheduling);
    registry.start();
    return registry;
  }

  @AfterEach
  void stop() {
    registry.stop();
    scheduling.stop();
  }

  @Test
  void idsAreUnguessableAndFindable() {
    registry(Map.of());
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      TokenStream stream = registry.open("simulated");
      assertTrue(stream.id().matches("gen_[A-Za-z0-9_-]{24}"), stream.id());
      assertTrue(ids.add(stream.id()));
      assertSame(stream, registry.find(stream.id()));
    }
    assertThrows(StreamNotFoundException.class, () -> registry.find("gen_nope"));
    assertThrows(StreamNotFoundException.class, () -> registry.find(null));
  }

  @Test
  void liveStreamsAreCappedAndAnEndedOneFreesItsSlot() {
    registry(Map.of("STREAMGATE_MAX_STREAMS", "2"));
    TokenStream first = registry.open("simulated");
    registry.open("simulated");
    CapacityException full =
        assertThrows(CapacityException.class, () -> registry.open("simulated"));
    assertEquals(1, full.retryAfterSeconds());
    first.finish(FinishReason.STOP);
    assertEquals(1, registry.liveCount());
    registry.open("simulated");
    assertEquals(2, registry.liveCount());
  }

  @Test
  void aGenerationNobodyReadsIsCancelledAfterTheOrphanTimeout() {
    registry(Map.of("STREAMGATE_ORPHAN_TIMEOUT", "0s"));
    TokenStream unread = registry.open("simulated");
    TokenStream followed = registry.open("simulated");
    followed.addListener(() -> {});
    registry.sweep();
    assertEquals("cancelled", unread.terminal().state());
    assertEquals("orphan_timeout", unread.terminal().cancelledBy());
    assertNull(followed.terminal(), "a generation with a reader keeps running");
  }

  @Test
  void onDisconnectCancelEndsAnUnreadGenerationAfterTheGraceNotTheOrphanTimeout() {
    registry(Map.of("STREAMGATE_ORPHAN_TIMEOUT", "1h", "STREAMGATE_DISCONNECT_GRACE", "0s"));
    TokenStream kept = registry.open("simulated");
    TokenStream cancelling = registry.open("simulated");
    cancelling.onDisconnect(OnDisconnect.CANCEL);
    TokenStream followed = registry.open("simulated");
    followed.onDisconnect(OnDisconnect.CANCEL);
    followed.addListener(() -> {});
    registry.sweep();
    assertEquals("disconnect", cancelling.terminal().cancelledBy());
    assertNull(kept.terminal(), "keep waits for the orphan timeout");
    assertNull(followed.terminal(), "a generation with a reader keeps running");
    kept.cancel();
    assertEquals("client", kept.terminal().cancelledBy());
  }

  @Test
  void finishedStreamsPastTheRetainedBytesGoOldestFirstAndSayTheyWereEvicted() {
    // Three finished logs of 1 000 characters (2 004 bytes each) against a limit of 5 000.
    registry(Map.of("STREAMGATE_MAX_RETAINED_BYTES", "5000", "STREAMGATE_RETENTION", "1h"));
    Owner alice = new Owner("alice", 10);
    TokenStream[] done = new TokenStream[3];
    for (int i = 0; i < done.length; i++) {
      done[i] = registry.open("simulated", alice);
      done[i].append("x".repeat(1000));
      done[i].finish(FinishReason.STOP);
    }
    registry.sweep();
    StreamNotFoundException gone =
        assertThrows(StreamNotFoundException.class, () -> registry.find(done[0].id(), "alice"));
    assertTrue(gone.isEvicted(), gone.getMessage());
    assertSame(done[1], registry.find(done[1].id(), "alice"));
    assertSame(done[2], registry.find(done[2].id(), "alice"));
    // To another key it never existed: eviction tells nothing about others' generations.
    assertFalse(
        assertThrows(StreamNotFoundException.class, () -> registry.find(done[0].id(), "bob"))
            .isEvicted());
  }

  @Test
  void newGenerationsAreRefusedWhileLiveOnesHoldTheLiveBytes() {
    registry(Map.of("STREAMGATE_MAX_LIVE_BYTES", "1k", "STREAMGATE_MAX_GENERATION_BYTES", "4k"));
    TokenStream big = registry.open("simulated");
    big.append("y".repeat(600)); // 1 204 bytes
    registry.sweep();
    CapacityException full =
        assertThrows(CapacityException.class, () -> registry.open("simulated"));
    assertTrue(full.getMessage().contains("STREAMGATE_MAX_LIVE_BYTES"), full.getMessage());
    big.finish(FinishReason.STOP);
    registry.sweep();
    registry.open("simulated");
  }

  @Test
  void finishedStreamsAreEvictedAfterTheirRetention() {
    registry(Map.of("STREAMGATE_RETENTION", "0s"));
    TokenStream done = registry.open("simulated");
    TokenStream running = registry.open("simulated");
    done.finish(FinishReason.STOP);
    registry.sweep();
    assertThrows(StreamNotFoundException.class, () -> registry.find(done.id()));
    assertSame(running, registry.find(running.id()));
  }

  @Test
  void theOldestFinishedStreamsGoFirstWhenTooManyAreKept() {
    registry(Map.of("STREAMGATE_MAX_RETAINED", "2"));
    TokenStream oldest = registry.open("simulated");
    TokenStream middle = registry.open("simulated");
    TokenStream newest = registry.open("simulated");
    oldest.finish(FinishReason.STOP);
    middle.finish(FinishReason.STOP);
    newest.finish(FinishReason.STOP);
    registry.sweep();
    assertThrows(StreamNotFoundException.class, () -> registry.find(oldest.id()));
    assertSame(middle, registry.find(middle.id()));
    assertSame(newest, registry.find(newest.id()));
  }

  @Test
  void shutdownCancelsLiveStreamsAndReadersCanSeeWhy() {
    registry(Map.of());
    TokenStream live = registry.open("simulated");
    live.append("partial");
    registry.stop();
    assertEquals("cancelled", live.terminal().state());
    assertEquals("shutdown", live.terminal().cancelledBy());
    assertEquals("partial", live.text());
    assertFalse(live.append("more") > 0);
  }
}
