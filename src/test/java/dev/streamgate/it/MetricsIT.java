package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Exact counts after a known workload, on a gateway of its own with API keys, where metrics are
 * served to one key ({@code STREAMGATE_METRICS_ACCESS=alice}) and refused to everyone else.
 */
@Tag("own-server")
class MetricsIT {

  private static final Map<String, String> SETTINGS =
      Map.of(
          "streamgate.api-keys",
          SecurityIT.key("alice") + "," + SecurityIT.key("bob"),
          "streamgate.metrics-access",
          "alice");

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

  private static String scrape() {
    HttpResponse<String> metrics = gateway.get("metrics", "Authorization", "Bearer sk-alice");
    assertEquals(200, metrics.statusCode(), metrics.body());
    return metrics.body();
  }

  @Test
  void onlyTheNamedKeyReadsTheMetrics() throws Exception {
    Gateway.assertProblem(gateway.get("metrics"), 401, "unauthorized");
    assertEquals(
        "Metrics are served to one API key only (STREAMGATE_METRICS_ACCESS).",
        Gateway.assertProblem(
                gateway.get("metrics", "Authorization", "Bearer sk-bob"),
                403,
                "metrics_not_allowed")
            .get("detail")
            .asText());
    String text = scrape();
    Prometheus.assertLintClean(text);
    if (launcher.servesTomcatMetrics()) { // Tomcat's connector, as the Grafana dashboard shows it
      assertTrue(text.contains("\ntomcat_threads_busy_threads{"), text);
      assertTrue(text.contains("\ntomcat_connections_current_connections{"), text);
    }
  }

  @Test
  void aKnownWorkloadIsCountedExactly() {
    String before = scrape();
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> created =
          gateway.send(
              gateway
                  .request("api/generations")
                  .header("Authorization", "Bearer sk-alice")
                  .header("Content-Type", "application/json")
                  .POST(
                      java.net.http.HttpRequest.BodyPublishers.ofString(
                          Gateway.simulated("count " + i).length(40).maxTokens(5).toString())));
      assertEquals(201, created.statusCode(), created.body());
      String id = Gateway.json(created.body()).get("id").asText();
      HttpResponse<String> events =
          gateway.get(
              "api/generations/" + id + "/events",
              "Authorization",
              "Bearer sk-alice",
              "Accept",
              "text/event-stream");
      assertEquals(200, events.statusCode());
      assertTrue(events.body().contains("event: done"), events.body());
    }
    gateway.send(
        gateway
            .request("v1/chat/completions")
            .header("Authorization", "Bearer sk-alice")
            .header("Content-Type", "application/json")
            .POST(
                java.net.http.HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")));
    String after = scrape();

    assertDelta(
        2,
        before,
        after,
        "streamgate_generations_total{finish_reason=\"length\",model=\"simulated\"}");
    assertDelta(10, before, after, "streamgate_tokens_generated_total{model=\"simulated\"}");
    assertDelta(10, before, after, "streamgate_tokens_delivered_total{transport=\"sse\"}");
    assertDelta(
        2, before, after, "streamgate_time_to_first_token_seconds_count{model=\"simulated\"}");
    assertDelta(1, before, after, "streamgate_errors_total{code=\"unknown_model\"}");
    assertDelta(
        0, before, after, "streamgate_disconnects_total{reason=\"client_gone\",transport=\"sse\"}");
    assertEquals(0, Prometheus.value(after, "streamgate_open_streams{transport=\"sse\"}"), after);
  }

  private static void assertDelta(double expected, String before, String after, String series) {
    assertEquals(
        expected,
        Prometheus.value(after, series) - Prometheus.value(before, series),
        series + " after the workload:\n" + after);
  }
}
