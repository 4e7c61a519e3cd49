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
import java.util.Iterator;
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
  void sseTokensArriveWhileTheGenerationRunsNotInOneBurstAtItsEnd() throws Exception {
    // 400 tokens at 20 a second: a buffering proxy would hold them until its buffer filled or the
    // stream ended, so tokens that reach the client while the generation still runs prove it
    // streams, however slow the machine (a cause, not a clock)
    String id =
        proxy.createGeneration(simulated("through the proxy").length(400).tokensPerSecond(20));
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

    StringBuilder text = new StringBuilder();
    int events = 0;
    try (Stream<String> lines = response.body()) {
      Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (line.startsWith("data: {\"seq\"")) {
          text.append(Gateway.json(line.substring(6)).get("text").asText());
          if (++events == 3) {
            JsonNode now = proxy.status(id);
            assertEquals("running", now.get("state").asText(), "3 events came before the end");
            assertTrue(now.get("tokens").asInt() < 400, now::toString);
            proxy.cancel(id); // seen enough: end it, and read the rest to the end
          }
        } else if (line.equals("event: done")) {
          break;
        }
      }
    }
    assertTrue(events >= 3, events + " events");
    assertEquals(proxy.status(id).get("text").asText(), text.toString());
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
