package dev.streamgate.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The gateway's own figures from {@code GET /api/metrics}, and the text its model writes. */
record ServerMetrics(
    long cpuNanos, long heapUsed, long rss, long connections, long liveStreams, long gcMillis) {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static ServerMetrics fetch(String base, boolean gc) throws IOException, InterruptedException {
    String json = get(base + "/api/metrics" + (gc ? "?gc=true" : ""));
    return new ServerMetrics(
        JsonScan.number(json, "cpu_ns", 0, -1),
        JsonScan.number(json, "heap_used", 0, -1),
        JsonScan.number(json, "rss", 0, -1),
        JsonScan.number(json, "connections", 0, -1),
        JsonScan.number(json, "live_streams", 0, -1),
        JsonScan.number(json, "gc_ms", 0, -1));
  }

  /** The sum over the nodes of a cluster (heap, RSS and connections too: the cluster's cost). */
  static ServerMetrics fetchAll(java.util.List<String> bases)
      throws IOException, InterruptedException {
    long cpu = 0, heap = 0, rss = 0, connections = 0, live = 0, gc = 0;
    for (String base : bases) {
      ServerMetrics m = fetch(base, false);
      cpu += m.cpuNanos;
      heap += m.heapUsed;
      rss += m.rss;
      connections += m.connections;
      live += m.liveStreams;
      gc += m.gcMillis;
    }
    return new ServerMetrics(cpu, heap, rss, connections, live, gc);
  }

  static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(url + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  static String post(String url, String json) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IOException(url + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  /** Starts a generation and returns its id. */
  static String start(String base, String generation) throws IOException, InterruptedException {
    return JsonScan.string(post(base + "/api/generations", generation), "id", 0);
  }

  /**
   * The text the simulated model writes for each benchmark prompt: generated once, fast, and read
   * back from {@code GET /api/generations/{id}} (same prompt, seed and length give the same text).
   */
  static String[] expectedTexts(String base, int prompts, int n)
      throws IOException, InterruptedException {
    String[] texts = new String[prompts];
    for (int k = 0; k < prompts; k++) {
      String id = start(base, Plan.generation(k, n, 10_000, 0, false));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      String status;
      do {
        Thread.sleep(20);
        status = get(base + "/api/generations/" + id);
      } while (status.contains("\"state\":\"running\"") && System.nanoTime() < deadline);
      if (!status.contains("\"state\":\"completed\"")) {
        throw new IOException("the reference generation did not complete: " + status);
      }
      texts[k] = JsonScan.string(status, "text", 0);
    }
    return texts;
  }
}
