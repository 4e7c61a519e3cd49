package dev.streamgate.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamgate.runtime.Settings;
import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.stream.Usage;
import dev.streamgate.web.Cursors;
import dev.streamgate.web.ProblemException;
import io.lettuce.core.StreamMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MirrorTest {

  private final TokenStream produced = new TokenStream("gen_x", "simulated");
  private final TokenStream mirrored = new TokenStream("gen_x", "simulated");
  private final Mirror mirror = new Mirror(mirrored, "node-a");
  private int entries;

  /** What the producer's append script would store for this slice. */
  private void store(Slice slice) {
    String[] args =
        Publication.arguments("node-a", slice, slice.terminal(), produced.usage(), false, 1000);
    Map<String, String> body = new LinkedHashMap<>();
    if (!slice.texts().isEmpty()) {
      body.put("f", args[1]);
      body.put("l", args[2]);
      body.put("x", args[3]);
    }
    if (!args[5].isEmpty()) {
      body.putAll(Map.of("e", args[5], "n", args[6], "c", args[7], "m", args[8]));
      body.put("up", args[9]);
      body.put("uc", args[10]);
    }
    mirror.apply(new StreamMessage<>("sg:{gen_x}:log", "1-" + entries++, body));
  }

  @Test
  void batchesOfTokensArriveAsTheSameTokensInOrder() {
    produced.append("Hello");
    produced.append(",");
    store(produced.read(0, 10));
    produced.append(" wor");
    produced.append("ld, with , commas");
    produced.append("");
    store(produced.read(2, 10));

    assertEquals(5, mirrored.lastSeq());
    assertEquals("Hello, world, with , commas", mirrored.text());
    assertEquals(produced.read(0, 10).texts(), mirrored.read(0, 10).texts());
  }

  @Test
  void aBatchSentAgainAfterALostReplyAddsNothing() {
    produced.append("a");
    produced.append("b");
    store(produced.read(0, 10));
    produced.append("c");
    store(produced.read(0, 10)); // the whole log again, as after Redis lost it

    assertEquals("abc", mirrored.text());
    assertEquals(3, mirrored.lastSeq());
  }

  @Test
  void theEndCarriesTheReasonTheErrorAndTheUsage() {
    produced.append("partial");
    produced.reportUsage(new Usage(12, 1));
    produced.fail("upstream_error", "The model went away.");
    store(produced.read(0, 10));

    assertTrue(mirrored.isEnded());
    assertEquals(FinishReason.ERROR, mirrored.terminal().reason());
    assertEquals("upstream_error", mirrored.terminal().errorCode());
    assertEquals("The model went away.", mirrored.terminal().errorMessage());
    assertEquals(1, mirrored.terminal().tokens());
    assertEquals(new Usage(12, 1), mirrored.usage());
  }

  @Test
  void aMirrorsCancelAsksTheProducerAndWaitsForItsEnd() {
    int[] asked = new int[1];
    mirrored.mirrorOf(() -> asked[0]++);

    mirrored.cancel();

    assertEquals(1, asked[0]);
    assertTrue(!mirrored.isEnded(), "the end comes from the producer, through the log");
    produced.append("x");
    produced.cancel();
    store(produced.read(0, 10));
    assertEquals(FinishReason.CANCELLED, mirrored.terminal().reason());
    assertEquals("x", mirrored.text());
  }

  @Test
  void aClientAheadOfTheMirrorWaitsForTheRestInsteadOfBeingRefused() {
    mirrored.mirrorOf(() -> {});
    produced.append("a");
    store(produced.read(0, 10));
    produced.append("b");
    produced.append("c");
    produced.append("d"); // the client read these on the producer's node; the mirror lags

    assertEquals(3, Cursors.parse("3", "Last-Event-ID", mirrored));
    assertTrue(!mirrored.hasAfter(3));
    assertEquals(List.of(), mirrored.read(3, 10).texts());
    store(produced.read(1, 10));
    assertTrue(mirrored.hasAfter(3));
    assertEquals(List.of("d"), mirrored.read(3, 10).texts());
  }

  @Test
  void aCursorPastTheEndOfAnEndedMirrorIsRefusedAndALostLogStillEnds() {
    mirrored.mirrorOf(() -> {});
    produced.append("a");
    store(produced.read(0, 10));
    assertEquals(5, Cursors.parse("5", "after", mirrored)); // running: tokens may be on the way
    mirrored.abort("producer_lost", "gone"); // what lost.lua appends after the last stored token

    Slice slice = mirrored.read(5, 10);
    assertEquals(List.of(), slice.texts());
    assertEquals("producer_lost", slice.terminal().errorCode());
    ProblemException refused =
        assertThrows(ProblemException.class, () -> Cursors.parse("5", "after", mirrored));
    assertEquals("invalid_cursor", refused.problem().code());
    assertEquals(400, refused.problem().status());
  }

  @Test
  void badClusterSettingsStopTheStartNamingTheSetting() {
    IllegalArgumentException scheme =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClusterSettings.of(settings("STREAMGATE_REDIS_URL", "http://localhost:6379")));
    assertTrue(scheme.getMessage().startsWith("STREAMGATE_REDIS_URL"), scheme.getMessage());
    IllegalArgumentException lease =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ClusterSettings.of(
                    settings(
                        "STREAMGATE_REDIS_URL", "redis://localhost:6379",
                        "STREAMGATE_REDIS_LEASE", "500ms")));
    assertTrue(lease.getMessage().startsWith("STREAMGATE_REDIS_LEASE"), lease.getMessage());
    IllegalArgumentException node =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ClusterSettings.of(
                    settings(
                        "STREAMGATE_REDIS_URL", "redis://localhost:6379",
                        "STREAMGATE_NODE_ID", "a node")));
    assertTrue(node.getMessage().startsWith("STREAMGATE_NODE_ID"), node.getMessage());
    assertEquals(null, ClusterSettings.of(settings()), "no Redis: a single node");
  }

  @Test
  void aPasswordSettingAuthenticatesTheConnection() {
    ClusterSettings cluster =
        ClusterSettings.of(
            settings(
                "STREAMGATE_REDIS_URL", "rediss://redis.internal:6380",
                "STREAMGATE_REDIS_PASSWORD", "s3cret"));
    assertTrue(cluster.uri().isSsl());
    assertEquals(6380, cluster.uri().getPort());
    assertTrue(cluster.node().startsWith("node-"), cluster.node());
  }

  private static Settings settings(String... pairs) {
    Map<String, String> values = new java.util.HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      values.put(pairs[i], pairs[i + 1]);
    }
    return new Settings(values::get);
  }
}
