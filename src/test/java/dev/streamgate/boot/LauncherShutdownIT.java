package dev.streamgate.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;

/**
 * The launcher serves the built webapp, and stopping it ends open streams cleanly and leaves none
 * of the application's threads behind.
 */
class LauncherShutdownIT {

  @Test
  void stoppingTheServerEndsOpenStreamsAndStopsEveryThreadItStarted() throws Exception {
    Tomcat tomcat = Main.start(0, Path.of("target", "streamgate")); // a free port
    boolean stopped = false;
    // HTTP/1.1, said outright: the JDK client's default is HTTP/2, and with STREAMGATE_HTTP2 on,
    // Tomcat's stop sends GOAWAY, on which this JDK's client fails the stream before its end.
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String base = "http://127.0.0.1:" + tomcat.getConnector().getLocalPort();
    try {
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode());
      assertEquals("{\"status\":\"UP\"}", health.body());

      HttpResponse<String> created =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/generations"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"messages\":[{\"role\":\"user\",\"content\":\"a long answer\"}],"
                              + "\"max_tokens\":8192,\"simulation\":{\"ttft_ms\":0,\"tokens_per_second\":5,"
                              + "\"length\":8192}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(201, created.statusCode());
      Matcher id = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(created.body());
      assertTrue(id.find());

      HttpResponse<java.io.InputStream> events =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(base + "/api/generations/" + id.group(1) + "/events"))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, events.statusCode());
      BufferedReader lines =
          new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8));
      List<String> seen = new ArrayList<>();
      String line;
      while ((line = lines.readLine()) != null && !line.startsWith("data: {\"seq\":1")) {
        seen.add(line); // read until the first token has arrived
      }
      CompletableFuture<List<String>> rest =
          CompletableFuture.supplyAsync(
              () -> {
                List<String> tail = new ArrayList<>();
                try {
                  for (String next; (next = lines.readLine()) != null; ) {
                    tail.add(next);
                  }
                } catch (java.io.IOException cut) {
                  tail.add("(connection cut: " + cut + ")");
                }
                return tail;
              });

      tomcat.stop();
      tomcat.destroy();
      stopped = true;

      List<String> tail = rest.get(30, TimeUnit.SECONDS); // the stream ends; it does not hang
      assertTrue(tail.contains("event: done"), "the client is told the stream ended: " + tail);
      assertTrue(
          tail.stream()
              .anyMatch(
                  l ->
                      l.startsWith("data: {\"finish_reason\":\"cancelled\",")
                          && l.endsWith(",\"cancelled_by\":\"shutdown\"}")),
          String.valueOf(tail));
    } finally {
      if (!stopped) {
        tomcat.stop();
        tomcat.destroy();
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    List<String> left;
    do {
      left =
          Thread.getAllStackTraces().keySet().stream()
              .filter(Thread::isAlive)
              .map(Thread::getName)
              .filter(name -> name.startsWith("streamgate-"))
              .toList();
      if (!left.isEmpty()) {
        TimeUnit.MILLISECONDS.sleep(50); // poll the condition until the deadline
      }
    } while (!left.isEmpty() && System.nanoTime() < deadline);
    assertEquals(List.of(), left, "threads the application started are all stopped");
  }
}
