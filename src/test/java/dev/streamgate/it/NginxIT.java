package dev.streamgate.it;

import static dev.streamgate.it.Gateway.richText;
import static dev.streamgate.it.Gateway.simulated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway behind nginx, configured by the very file the Docker setup ships ({@code
 * docker/nginx.conf}; only its upstream servers, listen address and {@code /tmp/} are changed):
 * streams are not buffered, WebSocket upgrades, long polls outlive their wait, resume works.
 */
class NginxIT extends DeployedGateway {

  private static Nginx nginx;
  private static Gateway proxy;

  @BeforeEach
  void startNginx() throws Exception {
    if (proxy == null) {
      URL node = gateway.uri("").toURL();
      nginx = Nginx.start("nginx-it", Integer.getInteger("nginx.port", 18381), node, node);
      proxy = new Gateway(nginx.url());
    }
  }

  @AfterAll
  static void stopNginx() throws InterruptedException {
    if (nginx != null) {
      nginx.close();
    }
  }

  @Test
  void sseTokensArriveOneByOneNotInOneBurst() throws Exception {
    // 20 tokens, one every 100 ms: a buffering proxy would hand them over together at the end
    String id =
        proxy.createGeneration(simulated("through the proxy").length(20).tokensPerSecond(10));
    HttpResponse<Stream<String>> response =
        Gateway.HTTP.send(
            proxy
                .request("api/generations/" + id + "/events")
                .header("Accept", "text/event-stream")
                .header("Accept-Encoding", "gzip, deflate") // as browsers send: must not compress
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, response.statusCode());
    assertTrue(
        response.headers().firstValue("Content-Encoding").isEmpty(), response.headers()::toString);

    List<Long> arrivals = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    try (Stream<String> lines = response.body()) {
      Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (line.startsWith("data: {\"seq\"")) {
          arrivals.add(System.nanoTime());
          text.append(Gateway.json(line.substring(6)).get("text").asText());
        } else if (line.equals("event: done")) {
          break;
        }
      }
    }

    assertEquals(proxy.status(id).get("text").asText(), text.toString());
    List<Long> gapsMs = new ArrayList<>();
    for (int i = 1; i < arrivals.size(); i++) {
      gapsMs.add(TimeUnit.NANOSECONDS.toMillis(arrivals.get(i) - arrivals.get(i - 1)));
    }
    long spread = gapsMs.stream().mapToLong(Long::longValue).sum();
    long spaced = gapsMs.stream().filter(gap -> gap >= 50).count();
    // a loaded machine may coalesce a few tokens into one event, never most of them
    assertTrue(arrivals.size() >= 15, arrivals.size() + " events for 20 tokens");
    assertTrue(spread >= 1_400, "tokens spread over " + spread + " ms, gaps " + gapsMs);
    assertTrue(spaced >= arrivals.size() * 2 / 3, "gaps between events (ms): " + gapsMs);
  }

  @Test
  void webSocketUpgradesAndStreamsThroughTheProxy() {
    WsClient client = WsClient.connect(proxy);
    try {
      String id = client.generate(richText().length(40));
      JsonNode done = client.awaitEnd(id);

      assertEquals("done", WsClient.type(done), done.toString());
      assertEquals(proxy.status(id).get("text").asText(), client.transcript(id).text());
    } finally {
      client.close();
    }
  }

  /**
   * A poll parked for 25 s, the API's default wait, with nothing produced meanwhile. nginx's own
   * read timeout (60 s) would pass this too; that the configured 75 s covers the longest wait the
   * API allows (60 s) is checked from the file in {@link #pollReadTimeoutCoversTheLongestWait}, so
   * the test need not park for a full minute.
   */
  @Test
  void longPollSurvivesItsWholeWait() {
    String id = proxy.createGeneration(simulated("nothing for a while").ttftMs(50_000));
    long started = System.nanoTime();

    HttpResponse<String> response =
        proxy.send(
            proxy
                .request("api/generations/" + id + "/poll?after=0&wait=25")
                .timeout(Duration.ofSeconds(45))
                .GET());

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(
        Gateway.json("{\"tokens\":[],\"last_seq\":0,\"done\":false,\"finish_reason\":null}"),
        Gateway.json(response.body()));
    assertTrue(took.toSeconds() >= 24 && took.toSeconds() < 35, "answered after " + took);
    proxy.cancel(id);
  }

  @Test
  void pollReadTimeoutCoversTheLongestWait() throws IOException {
    Matcher poll =
        Pattern.compile("location [^{]*/poll\\$ \\{[^}]*proxy_read_timeout (\\d+)s;")
            .matcher(Files.readString(Nginx.conf()));
    assertTrue(poll.find(), "no proxy_read_timeout in the poll location");
    assertTrue(Integer.parseInt(poll.group(1)) > 61, "60 s wait, answered up to ~1 s late");
  }

  @Test
  void resumesWithLastEventIdThroughTheProxy() {
    String id =
        proxy.createGeneration(
            simulated("resume through the proxy").length(100).tokensPerSecond(100));
    SseReader first = SseReader.open(proxy, id).awaitCursor(10);
    first.drop();
    Transcript.Received before = first.transcript().received();
    assertTrue(before.cursor() < 100, "dropped mid-stream, at " + before.cursor());

    SseReader second =
        SseReader.open(
            proxy, id, "", before.cursor(), "Last-Event-ID", String.valueOf(before.cursor()));

    second.assertDone("stop");
    assertEquals(proxy.status(id).get("text").asText(), before.text() + second.transcript().text());
  }

  @Test
  void refusesAnOversizedBodyWithProblemJson() {
    String huge = simulated("x".repeat(1_100_000)).toString();

    HttpResponse<String> response = proxy.post("api/generations", huge);

    JsonNode problem = Gateway.assertProblem(response, 413, "body_too_large");
    assertFalse(problem.has("trace"), problem.toString());
  }
}
