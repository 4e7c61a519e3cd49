package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Memory is bounded in bytes, by configuration: a generation stops at its byte limit, finished ones
 * past the retained bytes are evicted oldest first (and say so), and live ones past the live bytes
 * refuse new ones, while a normal stream is served with its exact text throughout. Runs its own
 * server with small limits (32 KiB a generation, 256 KiB retained, 128 KiB live), since they would
 * evict the other suites' generations.
 */
@Tag("own-server")
class MemoryBoundsIT {

  private static final long GENERATION_BYTES = 32 * 1024;
  private static final Map<String, String> SETTINGS =
      Map.of(
          "streamgate.max-generation-bytes", "32k",
          "streamgate.max-retained-bytes", "256k",
          "streamgate.max-live-bytes", "128k");

  private static OwnGateway launcher;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    launcher = OwnGateway.start(SETTINGS);
    gateway = launcher.gateway();
  }

  @AfterAll
  static void stop() throws Exception {
    launcher.stop();
  }

  /** As long as the model will go, as fast as it will go, about a 100 000-character word. */
  private static Gateway.Spec huge(int seed) {
    return Gateway.simulated("Explain " + "w".repeat(100_000))
        .length(8192)
        .maxTokens(8192)
        .tokensPerSecond(5000)
        .seed(seed);
  }

  @Test
  void hugeGenerationsStopAtTheirByteLimitAndTheOldestFinishedOnesAreEvicted() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) { // 12 × 32 KiB finished, one after another: past 256 KiB
      String id = gateway.createGeneration(huge(i));
      ids.add(id);
      JsonNode end = gateway.awaitEnded(id);
      assertEquals("length", end.get("finish_reason").asText(), id);
      long tokens = end.get("tokens").asLong();
      assertTrue(tokens < 8192, "cut short of the 8 192 the model would write: " + tokens);
      long bytes = 2L * end.get("text").asText().length() + 4 * tokens;
      assertTrue(bytes <= GENERATION_BYTES, bytes + " bytes");
      assertTrue(bytes > GENERATION_BYTES - 200, "stopped at the limit, not before: " + bytes);
    }

    // The oldest go first, and say why: the text a client could come back for is gone.
    String oldest = ids.get(0);
    Gateway.await(
        "the oldest finished generation to be evicted",
        () -> gateway.get("api/generations/" + oldest).statusCode() == 404);
    JsonNode problem =
        Gateway.assertProblem(gateway.get("api/generations/" + oldest), 404, "evicted");
    assertTrue(
        problem.get("detail").asText().contains("STREAMGATE_MAX_RETAINED_BYTES"),
        problem::toString);
    assertEquals(200, gateway.get("api/generations/" + ids.get(ids.size() - 1)).statusCode());
    assertEquals(404, gateway.poll(oldest, "after=0&wait=0").statusCode());

    assertANormalStreamIsServedExactly();
  }

  @Test
  void liveGenerationsPastTheLiveBytesRefuseNewOnesUntilTheyEnd() throws Exception {
    // Eight on their way to 32 KiB each, slowly enough to stay live for seconds: past 128 KiB.
    List<String> live = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      live.add(gateway.createGeneration(huge(100 + i).tokensPerSecond(1000)));
    }
    List<HttpResponse<String>> answers = new ArrayList<>();
    Gateway.await(
        "a new generation to be refused once a sweep has counted the live bytes",
        () -> {
          HttpResponse<String> answer =
              gateway.post("api/generations", Gateway.simulated("one more").length(1).toString());
          answers.add(answer);
          return answer.statusCode() != 201;
        });
    HttpResponse<String> refused = answers.get(answers.size() - 1);
    Gateway.assertProblem(refused, 429, "capacity_exceeded");
    assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
    assertTrue(refused.body().contains("STREAMGATE_MAX_LIVE_BYTES"), refused.body());
    for (String id : live) {
      gateway.delete("api/generations/" + id);
    }
    Gateway.await(
        "new generations to be taken again",
        () ->
            gateway
                    .post("api/generations", Gateway.simulated("again").length(1).toString())
                    .statusCode()
                == 201);
    assertANormalStreamIsServedExactly();
  }

  private static void assertANormalStreamIsServedExactly() {
    String id = gateway.createGeneration(Gateway.richText());
    Gateway.Polling polling = gateway.pollToEnd(id, 0);
    JsonNode end = Gateway.await(polling.end());
    assertEquals("completed", gateway.status(id).get("state").asText(), end.toString());
    assertEquals(gateway.status(id).get("text").asText(), polling.transcript().text());
    Gateway.assertRich(polling.transcript().text());
  }
}
