package dev.streamgate.it;

import static dev.streamgate.it.Gateway.simulated;
import static dev.streamgate.it.SecurityIT.bearer;
import static dev.streamgate.it.SecurityIT.key;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two keyed nodes on one Redis: a key sees only its own generations on every node, its live and
 * start-rate limits hold across the cluster, and a ticket from one node opens the stream on the
 * other. Each key is used by one test only, so the limits of one test never touch another's.
 */
class ClusterKeysIT {

  private static RedisServer redis;
  private static GatewayNode a;
  private static GatewayNode b;
  private final List<String[]> running = new ArrayList<>(); // {node's url, id, key}

  @BeforeAll
  static void startCluster() throws Exception {
    redis = RedisServer.start();
    Map<String, String> settings =
        Map.of(
            "STREAMGATE_REDIS_URL", redis.url(),
            "STREAMGATE_API_KEYS",
                String.join(",", key("alice"), key("bob"), key("carol"), key("dave")),
            "STREAMGATE_TICKET_SECRET", "one-secret-for-the-whole-cluster-0123456789",
            "STREAMGATE_KEY_MAX_LIVE", "2",
            "STREAMGATE_KEY_RATE", "4");
    var startA =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> start("keys-a", settings));
    b = start("keys-b", settings);
    a = startA.join();
  }

  private static GatewayNode start(String name, Map<String, String> settings) {
    try {
      return GatewayNode.start(name, GatewayNode.freePort(), settings);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (GatewayNode node : new GatewayNode[] {a, b}) {
      if (node != null) {
        node.close();
      }
    }
    if (redis != null) {
      redis.close();
    }
  }

  @AfterEach
  void cancelWhatRuns() {
    for (String[] generation : running) {
      GatewayNode node = generation[0].equals(a.url().toString()) ? a : b;
      node.gateway.send(
          node.gateway
              .request("api/generations/" + generation[1])
              .header("Authorization", bearer(generation[2]))
              .DELETE());
    }
  }

  private HttpResponse<String> create(GatewayNode node, String who, Gateway.Spec spec) {
    HttpResponse<String> response =
        node.gateway.send(
            node.gateway
                .request("api/generations")
                .header("Authorization", bearer(who))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(spec.toString())));
    if (response.statusCode() == 201) {
      running.add(
          new String[] {
            node.url().toString(), Gateway.json(response.body()).get("id").asText(), who
          });
    }
    return response;
  }

  private static Gateway.Spec longOne() {
    return simulated("still running").length(5000).tokensPerSecond(10);
  }

  @Test
  void aKeysLiveLimitCountsItsGenerationsOnEveryNode() {
    assertEquals(201, create(a, "alice", longOne()).statusCode());
    assertEquals(201, create(b, "alice", longOne()).statusCode());

    HttpResponse<String> third = create(a, "alice", longOne());

    JsonNode problem = Gateway.assertProblem(third, 429, "capacity_exceeded");
    assertEquals(
        "This key is running its maximum of 2 generations at once across the cluster.",
        problem.get("detail").asText());
    assertEquals(201, create(b, "bob", longOne()).statusCode(), "another key is unaffected");
  }

  @Test
  void aKeysStartRateCountsItsStartsOnEveryNode() {
    GatewayNode[] nodes = {a, b, a, b};
    for (GatewayNode node : nodes) { // 4 a minute, a burst of 4: alternating between the nodes
      assertEquals(201, create(node, "carol", simulated("quick").length(5)).statusCode());
    }

    Gateway.assertProblem(create(b, "carol", simulated("one too many")), 429, "rate_limited");
  }

  @Test
  void aKeySeesOnlyItsOwnGenerationsOnTheOtherNodeAndATicketOpensThem() {
    HttpResponse<String> created = create(a, "dave", simulated("mine only").length(30));
    JsonNode body = Gateway.json(created.body());
    String id = body.get("id").asText();

    Gateway.assertProblem(
        b.gateway.get("api/generations/" + id, "Authorization", bearer("bob")), 404, "not_found");
    SseReader withTicket =
        SseReader.open(b.gateway, id, "ticket=" + body.get("ticket").asText(), 0);
    withTicket.assertDone("stop");
    JsonNode status =
        Gateway.json(
            b.gateway.get("api/generations/" + id, "Authorization", bearer("dave")).body());
    assertEquals(status.get("text").asText(), withTicket.transcript().text());
    assertEquals(30, status.get("tokens").asInt());
  }
}
