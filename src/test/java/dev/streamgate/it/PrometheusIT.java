package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} on every runtime: Prometheus' text format, lint-clean, with the gateway's
 * own series beside the JVM's. Exact counts after a known workload are {@code MetricsIT}'s, on a
 * gateway of its own; here other suites share the server, so counts only grow.
 */
class PrometheusIT extends DeployedGateway {

  @Test
  void metricsArePrometheusTextWithTheGatewaysSeries() throws Exception {
    String id = gateway.createGeneration(Gateway.simulated("count me").length(40).maxTokens(5));
    gateway.awaitEnded(id);
    gateway.get("api/generations/gen_AAAAAAAAAAAAAAAAAAAAAAAA"); // a 404: counted by its code

    HttpResponse<String> metrics = gateway.get("metrics");
    assertEquals(200, metrics.statusCode(), metrics.body());
    assertTrue(
        metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
        metrics.headers().toString());
    String text = metrics.body();
    for (String series :
        List.of(
            "streamgate_generations_total{finish_reason=\"length\",model=\"simulated\"}",
            "streamgate_tokens_generated_total{model=\"simulated\"}",
            "streamgate_time_to_first_token_seconds_count{model=\"simulated\"}",
            "streamgate_errors_total{code=\"not_found\"}")) {
      assertTrue(Prometheus.value(text, series) >= 1, series + " in\n" + text);
    }
    for (String transport : List.of("sse", "openai", "websocket", "poll")) {
      for (String name :
          List.of(
              "streamgate_tokens_delivered_total",
              "streamgate_open_streams",
              "streamgate_delivery_lag_seconds_count")) {
        String series = name + "{transport=\"" + transport + "\"}";
        assertTrue(text.contains("\n" + series + " "), series + " in\n" + text);
      }
      assertTrue(
          text.contains(
              "\nstreamgate_disconnects_total{reason=\"stuck\",transport=\"" + transport + "\"} "),
          text);
    }
    assertTrue(text.contains("\njvm_memory_used_bytes{"), "the JVM's own series");
    Prometheus.assertLintClean(text);
  }
}
