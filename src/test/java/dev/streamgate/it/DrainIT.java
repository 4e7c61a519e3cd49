package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamgate.boot.Main;
import dev.streamgate.stream.StreamRegistry;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * What SIGTERM does on the launcher: while running generations drain, readiness says DRAINING (a
 * load balancer stops sending new work), liveness stays up, new generations get 503, and the stop
 * waits for the last generation to end. Each generation's end is one log line an operator can use.
 */
class DrainIT {

  @Test
  void readinessTurnsOffWhileTheNodeDrainsAndTheStopWaitsForTheLastGeneration() throws Exception {
    OwnLauncher launcher = OwnLauncher.start(Map.of("streamgate.drain-timeout", "120s"));
    LogCapture log = LogCapture.of(StreamRegistry.class.getName());
    List<String> lines = log.lines();
    CompletableFuture<Void> stopping = null;
    try {
      Gateway gateway = launcher.gateway();
      assertEquals("{\"status\":\"UP\"}", gateway.get("health/ready").body());
      String secret = "a prompt nobody may log";
      String id =
          gateway.createGeneration(
              Gateway.simulated(secret).length(2000).tokensPerSecond(20).ttftMs(0));
      SseReader reader = SseReader.open(gateway, id).awaitCursor(1);
      assertEquals(200, gateway.poll(id, "after=0&wait=0").statusCode());

      stopping = CompletableFuture.runAsync(() -> Main.drainAndStop(launcher.tomcat()));
      Gateway.await("readiness to turn off", () -> gateway.get("health/ready").statusCode() == 503);
      assertEquals("{\"status\":\"DRAINING\"}", gateway.get("health/ready").body());
      HttpResponse<String> combined = gateway.get("health");
      assertEquals(503, combined.statusCode());
      assertEquals("{\"status\":\"DRAINING\"}", combined.body());
      HttpResponse<String> live = gateway.get("health/live");
      assertEquals(200, live.statusCode());
      assertEquals("{\"status\":\"UP\"}", live.body());
      Gateway.assertProblem(
          gateway.post("api/generations", Gateway.simulated("one more").toString()),
          503,
          "draining");
      // the running generation still streams, and the node waits for it
      assertEquals("running", gateway.status(id).get("state").asText());
      assertFalse(stopping.isDone(), "the stop waits while a generation runs");

      gateway.cancel(id);
      Gateway.await(stopping); // the last generation ended: the drain is over, Tomcat stops
      SseReader.Event end = reader.awaitEnd();
      assertEquals("done", end.type());

      String ended =
          lines.stream()
              .filter(line -> line.startsWith("generation " + id + " ended: "))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no end line for " + id + " in " + lines));
      assertTrue(
          ended.startsWith(
              "generation "
                  + id
                  + " ended: cancelled (client); model simulated, key anonymous, read over sse"
                  + " poll, "),
          ended);
      assertTrue(ended.contains(" tokens in "), ended);
      assertFalse(ended.contains(secret), "a prompt is never logged: " + ended);
    } finally {
      log.close();
      if (stopping == null) {
        launcher.stop();
      } else {
        Gateway.await(stopping);
      }
    }
  }
}
