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

  /** Every series name the gateway serves now, histogram and summary parts included. */
  private java.util.Set<String> servedSeries() {
    java.util.Set<String> served = new java.util.TreeSet<>();
    for (String line : gateway.get("metrics").body().split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String family = line.split(" ")[2];
        served.add(family);
        for (String suffix : List.of("_bucket", "_count", "_sum")) {
          served.add(family + suffix);
        }
      }
    }
    return served;
  }

  /**
   * The Grafana dashboard the compose file provisions asks only for series this runtime serves (a
   * renamed metric would leave a panel empty without a word). Tomcat's own series are not served on
   * Payara, whose HTTP layer is Grizzly; the dashboard's panel for them says so.
   */
  @Test
  void theGrafanaDashboardQueriesOnlySeriesTheGatewayServes() throws Exception {
    // an upstream request through the chained model, so its timer exists
    HttpResponse<String> chained =
        gateway.send(
            gateway
                .request("v1/chat/completions")
                .header("Content-Type", "application/json")
                .POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"chained\",\"max_tokens\":3,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
    assertEquals(200, chained.statusCode(), chained.body());
    gateway.get("api/generations/gen_AAAAAAAAAAAAAAAAAAAAAAAA"); // a 404: the errors counter
    // GC pauses are a timer made at the first collection the JVM reports: ask for one (this host
    // may), and wait for the report, which comes on a JVM thread of its own
    assertEquals(200, gateway.get("api/metrics?gc=true").statusCode());
    Gateway.await(
        "the first GC pause in the metrics",
        () -> servedSeries().contains("jvm_gc_pause_seconds_sum"));
    java.util.Set<String> served = servedSeries();
    String dashboard =
        java.nio.file.Files.readString(
            java.nio.file.Path.of("docker/grafana/dashboards/streamgate.json"));
    java.util.regex.Matcher name =
        java.util.regex.Pattern.compile("\\b((?:streamgate|jvm|tomcat)_[a-z_]+)\\{")
            .matcher(dashboard);
    java.util.Set<String> asked = new java.util.TreeSet<>();
    while (name.find()) {
      asked.add(name.group(1));
    }
    assertTrue(asked.size() >= 10, asked.toString());
    List<String> missing =
        asked.stream()
            .filter(series -> !served.contains(series))
            .filter(series -> TestRuntime.servesTomcatMetrics() || !series.startsWith("tomcat_"))
            // registered on the first upstream failure (OpenAiIT provokes some; order is free)
            .filter(series -> !series.equals("streamgate_upstream_failures_total"))
            .toList();
    assertEquals(List.of(), missing, "the dashboard asks for series nobody serves");
  }
}
