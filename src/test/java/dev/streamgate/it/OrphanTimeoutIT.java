package dev.streamgate.it;

import static dev.streamgate.it.Gateway.simulated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A generation nobody reads is cancelled after {@code streamgate.orphan-timeout} (4 s in the
 * failsafe configuration; the other tests attach a reader at once).
 */
class OrphanTimeoutIT extends DeployedGateway {

  private static final Duration ORPHAN_TIMEOUT =
      Duration.ofSeconds(
          Long.parseLong(System.getProperty("streamgate.orphan-timeout", "4s").replace("s", "")));

  @Test
  void cancelsAGenerationNobodyReads() {
    long started = System.nanoTime();
    String id =
        gateway.createGeneration(
            simulated("nobody listens").length(2000).maxTokens(2000).tokensPerSecond(100));

    JsonNode status = gateway.awaitEnded(id);

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertEquals("cancelled", status.get("state").asText());
    assertEquals("cancelled", status.get("finish_reason").asText());
    assertTrue(status.get("tokens").asInt() < 2000, status.toString());
    assertTrue(took.compareTo(ORPHAN_TIMEOUT.minusMillis(500)) >= 0, "cancelled after " + took);
  }
}
