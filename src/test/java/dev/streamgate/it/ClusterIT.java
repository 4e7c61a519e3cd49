package dev.streamgate.it;

import static dev.streamgate.it.Gateway.simulated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three gateway nodes (each its own JVM) on one real {@code redis-server}, and nginx round-robin in
 * front of two of them with the shipped {@code docker/nginx.conf}: any node serves any generation,
 * on any transport, with every token exactly once, through cancels, a producer killed mid-stream,
 * Redis lost and back, and rolling restarts.
 */
class ClusterIT {

  private static RedisServer redis;
  private static final List<GatewayNode> nodes = new ArrayList<>();
  private static GatewayNode a;
  private static GatewayNode b;
  private static GatewayNode c;

  @BeforeAll
  static void startCluster() throws Exception {
    redis = RedisServer.start();
    List<CompletableFuture<GatewayNode>> starting = new ArrayList<>();
    for (String name : List.of("node-a", "node-b", "node-c")) {
      starting.add(CompletableFuture.supplyAsync(() -> startNode(name)));
    }
    a = starting.get(0).join();
    b = starting.get(1).join();
    c = starting.get(2).join();
  }

  static GatewayNode startNode(String name) {
    try {
      GatewayNode node =
          GatewayNode.start(
              name,
              GatewayNode.freePort(),
              Map.of(
                  "STREAMGATE_REDIS_URL", redis.url(),
                  "STREAMGATE_REDIS_LEASE", "3s",
                  "STREAMGATE_ORPHAN_TIMEOUT", "3s",
                  "STREAMGATE_DRAIN_TIMEOUT", "30s"));
      synchronized (nodes) {
        nodes.add(node);
      }
      return node;
    } catch (Exception e) {
      throw new IllegalStateException("could not start " + name, e);
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (GatewayNode node : nodes) {
      node.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void aGenerationCreatedOnOneNodeResumesOnEveryTransportOnTheOthersWithEveryTokenOnce() {
    String id =
        a.gateway.createGeneration(simulated("hop between nodes").length(200).tokensPerSecond(50));

    SseReader sse = SseReader.open(b.gateway, id).awaitCursor(10); // SSE on B
    sse.drop();
    Transcript.Received first = sse.transcript().received();

    WsClient socket = WsClient.connect(c.gateway); // WebSocket on C, from there
    socket.subscribe(id, first.cursor());
    long wsStart = first.cursor();
    Gateway.await("ten more tokens on C", () -> socket.transcript(id).cursor() >= wsStart + 10);
    socket.drop();
    Transcript.Received second = socket.transcript(id).received();

    Gateway.Polling polling = b.gateway.pollToEnd(id, second.cursor()); // long polls on B
    JsonNode end = Gateway.await(polling.end());
    assertEquals("stop", end.get("finish_reason").asText());

    String whole = a.gateway.awaitEnded(id).get("text").asText();
    assertEquals(whole, first.text() + second.text() + polling.transcript().text());
    assertEquals(200, a.gateway.status(id).get("tokens").asInt());
    assertEquals(whole, b.gateway.status(id).get("text").asText());
    assertEquals(whole, c.gateway.status(id).get("text").asText());
  }

  @Test
  void theOpenAiStreamResumesOnAnotherNodeFromItsLastEventId() {
    String id = a.gateway.createGeneration(simulated("resume the sdk way").length(60));
    String whole = a.gateway.awaitEnded(id).get("text").asText();

    HttpResponse<String> rest =
        c.gateway.send(
            HttpRequest.newBuilder(c.gateway.uri("v1/chat/completions/chatcmpl-" + id))
                .header("Accept", "text/event-stream")
                .header("Last-Event-ID", "20"));

    assertEquals(200, rest.statusCode(), rest.body());
    StringBuilder tail = new StringBuilder();
    for (String line : rest.body().split("\n")) {
      if (line.startsWith("data: {")) {
        tail.append(
            Gateway.json(line.substring(6))
                .path("choices")
                .path(0)
                .path("delta")
                .path("content")
                .asText(""));
      }
    }
    assertTrue(rest.body().endsWith("data: [DONE]\n\n"), rest.body());
    assertEquals(whole, readTo(b, id, 20) + tail);
  }

  @Test
  void aClientThatReadOnTheProducerResumesAtOnceOnANodeWhoseMirrorLagsBehind() {
    // B's mirror follows Redis a moment behind A. A client that read up to A's last token and
    // resumes on B right away is ahead of B's mirror: it must wait there for the next token, not
    // be refused for a cursor "past the end".
    String id =
        a.gateway.createGeneration(
            simulated("ahead of the mirror").length(200).tokensPerSecond(100));
    SseReader keepsMirror = SseReader.open(b.gateway, id).awaitCursor(1);
    StringBuilder text = new StringBuilder();
    long cursor = 0;
    boolean done = false;
    for (int round = 0; !done; round++) {
      JsonNode onA = Gateway.json(a.gateway.poll(id, "after=" + cursor + "&wait=5").body());
      onA.get("tokens").forEach(t -> text.append(t.get("text").asText()));
      cursor = onA.get("last_seq").asLong();
      HttpResponse<String> onB = b.gateway.poll(id, "after=" + cursor + "&wait=5");
      assertEquals(
          200, onB.statusCode(), "round " + round + ", after=" + cursor + ": " + onB.body());
      JsonNode answer = Gateway.json(onB.body());
      if (answer.get("tokens").size() > 0) {
        assertEquals(cursor + 1, answer.get("tokens").get(0).get("seq").asLong(), onB.body());
      }
      answer.get("tokens").forEach(t -> text.append(t.get("text").asText()));
      cursor = answer.get("last_seq").asLong();
      done = answer.get("done").asBoolean() || onA.get("done").asBoolean();
    }
    assertEquals(a.gateway.awaitEnded(id).get("text").asText(), text.toString());
    keepsMirror.assertDone("stop");
  }

  /** The text of seqs 1..{@code seq} of a finished generation, read by one poll on the node. */
  private static String readTo(GatewayNode node, String id, long seq) {
    StringBuilder text = new StringBuilder();
    for (JsonNode token : Gateway.json(node.gateway.poll(id, "after=0").body()).get("tokens")) {
      if (token.get("seq").asLong() <= seq) {
        text.append(token.get("text").asText());
      }
    }
    return text.toString();
  }

  @Test
  void aCancelOnAnotherNodeStopsTheProducerAtTheSameToken() {
    String id =
        a.gateway.createGeneration(
            simulated("cancel me elsewhere").length(2000).tokensPerSecond(50));
    SseReader reader = SseReader.open(c.gateway, id).awaitCursor(5);

    JsonNode cancelled = b.gateway.cancel(id);

    assertEquals("cancelled", cancelled.get("state").asText(), cancelled.toString());
    JsonNode onProducer = a.gateway.awaitEnded(id);
    assertEquals("cancelled", onProducer.get("state").asText());
    assertEquals(cancelled.get("tokens"), onProducer.get("tokens"));
    assertEquals(onProducer.get("text"), cancelled.get("text"));
    SseReader.Event end = reader.awaitEnd();
    assertEquals("done", end.type());
    assertEquals("cancelled", end.json().get("finish_reason").asText());
    assertEquals(onProducer.get("text").asText(), reader.transcript().text());
  }

  @Test
  void aWebSocketCancelOnAnotherNodeReachesTheProducer() {
    String id =
        a.gateway.createGeneration(simulated("cancel by socket").length(2000).tokensPerSecond(50));
    WsClient socket = WsClient.connect(b.gateway);
    socket.subscribe(id, 0);
    Gateway.await("tokens on B", () -> socket.transcript(id).cursor() >= 5);

    socket.cancel(id);

    JsonNode end = socket.awaitEnd(id);
    assertEquals("cancelled", end.get("finish_reason").asText(), end.toString());
    JsonNode onProducer = a.gateway.awaitEnded(id);
    assertEquals("cancelled", onProducer.get("state").asText());
    assertEquals(onProducer.get("text").asText(), socket.transcript(id).text());
  }

  @Test
  void anUnknownIdIsNotFoundOnEveryNode() {
    for (GatewayNode node : List.of(a, b, c)) {
      Gateway.assertProblem(
          node.gateway.get("api/generations/gen_doesNotExistAnywhere0000"), 404, "not_found");
    }
  }

  @Test
  void aReaderOnAnotherNodeKeepsTheGenerationFromBeingOrphaned() {
    // 3 s orphan timeout; the generation runs 6 s and is read only on C. Were C's reader not
    // counted, A would cancel it halfway and the reader would get "cancelled".
    String id =
        a.gateway.createGeneration(simulated("read far away").length(120).tokensPerSecond(20));
    SseReader reader = SseReader.open(c.gateway, id);

    assertEquals("stop", reader.assertDone("stop").get("finish_reason").asText());
    assertEquals(a.gateway.status(id).get("text").asText(), reader.transcript().text());
  }

  @Test
  void aGenerationNoNodeReadsIsCancelledAfterTheOrphanTimeout() {
    String id =
        a.gateway.createGeneration(simulated("nobody reads").length(5000).tokensPerSecond(20));
    SseReader.open(b.gateway, id).awaitCursor(3).drop();

    JsonNode end = a.gateway.awaitEnded(id);

    assertEquals("cancelled", end.get("state").asText(), end.toString());
  }

  @Test
  void killingTheProducerEndsItsReadersElsewhereWithProducerLost() throws Exception {
    GatewayNode doomed = startNode("node-doomed");
    String id =
        doomed.gateway.createGeneration(simulated("die midway").length(5000).tokensPerSecond(20));
    SseReader reader = SseReader.open(b.gateway, id).awaitCursor(10);

    doomed.kill(); // SIGKILL: no shutdown hook, no last words to Redis

    SseReader.Event end = reader.awaitEnd(); // within the 3 s lease (and a second look)
    assertEquals("error", end.type(), end.toString());
    assertEquals("producer_lost", end.json().get("code").asText());
    JsonNode status = c.gateway.status(id);
    assertEquals("failed", status.get("state").asText());
    assertEquals("producer_lost", status.get("error").get("code").asText());
    assertEquals(status.get("text").asText(), reader.transcript().text());
    assertEquals(reader.transcript().cursor(), status.get("tokens").asLong());
  }

  @Test
  void losingRedisStopsNewGenerationsButNotRunningStreamsAndLosesNoToken() throws Exception {
    String id =
        a.gateway.createGeneration(simulated("ride out redis").length(150).tokensPerSecond(25));
    SseReader onProducer = SseReader.open(a.gateway, id).awaitCursor(5);
    SseReader elsewhere = SseReader.open(b.gateway, id).awaitCursor(5);

    redis.stop();
    long before = onProducer.transcript().cursor();
    Gateway.await(
        "tokens while Redis is away", () -> onProducer.transcript().cursor() > before + 5);
    HttpResponse<String> refused =
        a.gateway.post("api/generations", simulated("not now").toString());
    Gateway.assertProblem(refused, 503, "cluster_unavailable");
    assertEquals("2", refused.headers().firstValue("Retry-After").orElse(null));
    HttpResponse<String> health = a.gateway.get("health/ready");
    assertEquals(503, health.statusCode());
    assertEquals("{\"status\":\"REDIS_UNREACHABLE\"}", health.body());
    redis.restart(); // empty: the producer writes the whole log again

    onProducer.assertDone("stop");
    elsewhere.assertDone("stop");
    String whole = a.gateway.status(id).get("text").asText();
    assertEquals(whole, onProducer.transcript().text());
    assertEquals(whole, elsewhere.transcript().text());
    Gateway.await("node A ready again", () -> a.gateway.get("health/ready").statusCode() == 200);
    assertEquals(
        201, a.gateway.post("api/generations", simulated("now again").toString()).statusCode());
  }

  @Test
  void behindNginxRoundRobinEveryRequestMayLandAnywhere() throws Exception {
    try (Nginx nginx = Nginx.start("cluster-nginx", GatewayNode.freePort(), a.url(), b.url())) {
      Gateway proxy = new Gateway(nginx.url());
      String id = proxy.createGeneration(simulated("round robin").length(120).tokensPerSecond(60));
      StringBuilder text = new StringBuilder();
      long cursor = 0;
      SseReader.Event end = null;
      while (end == null) { // reconnect every 10 tokens: each time possibly another node
        SseReader reader =
            SseReader.open(proxy, id, "", cursor, "Last-Event-ID", Long.toString(cursor));
        long from = cursor;
        CompletableFuture<SseReader.Event> ending = reader.ending();
        Gateway.await(
            "ten tokens or the end",
            () -> reader.transcript().cursor() >= from + 10 || ending.isDone());
        if (ending.isDone()) {
          end = ending.join();
        } else {
          reader.drop();
        }
        Transcript.Received got = reader.transcript().received();
        text.append(got.text());
        cursor = got.cursor();
      }
      assertEquals("done", end.type());
      assertEquals(proxy.status(id).get("text").asText(), text.toString());
      assertEquals(120, cursor);
    }
  }

  @Test
  void aRollingRestartLosesAndRepeatsNoToken() throws Exception {
    GatewayNode first = startNode("node-rolling-1");
    GatewayNode second = startNode("node-rolling-2");
    String onFirst =
        first.gateway.createGeneration(simulated("drain one").length(80).tokensPerSecond(20));
    String onSecond =
        second.gateway.createGeneration(simulated("drain two").length(200).tokensPerSecond(20));
    // Each is read on the other node, which restarts while the generation runs.
    SseReader readsFirst = SseReader.open(second.gateway, onFirst).awaitCursor(3);
    SseReader readsSecond = SseReader.open(first.gateway, onSecond).awaitCursor(3);

    first.terminate(); // drains: finishes onFirst before it exits
    Gateway.await(
        "node 1 draining",
        () -> first.gateway.get("health/ready").body().equals("{\"status\":\"DRAINING\"}"));
    Gateway.assertProblem(
        first.gateway.post("api/generations", simulated("too late").toString()), 503, "draining");
    assertTrue(first.awaitExit(60), "node 1 exits once its generation has finished");
    // readsSecond was on node 1: dropped by the restart; it resumes on C.
    Transcript.Received partial = readsSecond.transcript().received();
    SseReader resumed =
        SseReader.open(
            c.gateway,
            onSecond,
            "",
            partial.cursor(),
            "Last-Event-ID",
            Long.toString(partial.cursor()));
    second.terminate();
    assertTrue(second.awaitExit(60), "node 2 exits once its generation has finished");

    readsFirst.assertDone("stop");
    resumed.assertDone("stop");
    assertEquals(c.gateway.status(onFirst).get("text").asText(), readsFirst.transcript().text());
    assertEquals(
        c.gateway.status(onSecond).get("text").asText(),
        partial.text() + resumed.transcript().text());
    assertEquals("completed", c.gateway.status(onFirst).get("state").asText());
    assertEquals("completed", c.gateway.status(onSecond).get("state").asText());
  }
}
