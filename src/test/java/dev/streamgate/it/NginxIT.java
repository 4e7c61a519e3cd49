package dev.streamgate.it;

import static dev.streamgate.it.Gateway.richText;
import static dev.streamgate.it.Gateway.simulated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

  private static Process nginx;
  private static Gateway proxy;

  @BeforeEach
  void startNginx() throws Exception {
    if (proxy == null) {
      proxy = new Gateway(start(gateway.uri("").toURL()));
    }
  }

  @AfterAll
  static void stopNginx() throws InterruptedException {
    if (nginx != null) {
      nginx.destroy(); // SIGTERM: nginx's fast shutdown
      if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
        nginx.destroyForcibly();
      }
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
            .matcher(Files.readString(conf()));
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

  // ---- nginx --------------------------------------------------------------------------------

  private static Path conf() {
    return Path.of(System.getProperty("streamgate.nginx-conf", "docker/nginx.conf"));
  }

  /** Starts nginx with the shipped config in front of {@code gateway}; answers the proxy's URL. */
  private static URL start(URL gateway) throws Exception {
    Path binary = findNginx();
    assumeTrue(
        binary != null || System.getenv("CI") != null,
        "nginx is not installed: NginxIT skipped (apt-get install nginx; .ci/run installs it)");
    assertNotNull(binary, "CI is set but nginx is not installed");

    int port = Integer.getInteger("nginx.port", 18381);
    Path dir = Path.of("target", "nginx-it").toAbsolutePath();
    Files.createDirectories(dir);
    InetAddress address = InetAddress.getByName(gateway.getHost());
    String upstream =
        (address instanceof Inet6Address
                ? "[" + address.getHostAddress() + "]"
                : address.getHostAddress())
            + ":"
            + gateway.getPort();
    String config = Files.readString(conf());
    config = replace(config, "listen 8080;", "listen 127.0.0.1:" + port + ";", 1);
    config = replace(config, "server streamgate-1:8080", "server " + upstream, 1);
    config = replace(config, "server streamgate-2:8080", "server " + upstream, 1);
    config = replace(config, " /tmp/", " " + dir + "/", 6);
    Path file = dir.resolve("nginx.conf");
    Files.writeString(file, config);

    File log = dir.resolve("nginx.out").toFile();
    nginx =
        new ProcessBuilder(
                binary.toString(),
                "-p",
                dir.toString(),
                "-c",
                file.toString(),
                "-e",
                dir.resolve("error.log").toString(),
                "-g",
                "daemon off;")
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start();

    URL proxied = new URL("http", "127.0.0.1", port, gateway.getPath());
    URL health = URI.create(proxied.toString()).resolve("health").toURL();
    long deadline = System.nanoTime() + Gateway.TIMEOUT.toNanos();
    while (true) {
      assertTrue(nginx.isAlive(), () -> "nginx stopped: " + read(log.toPath()));
      try {
        HttpURLConnection connection = (HttpURLConnection) health.openConnection();
        if (connection.getResponseCode() == 200) {
          return proxied;
        }
      } catch (IOException e) {
        // not listening yet
      }
      assertTrue(
          System.nanoTime() < deadline, () -> "nginx did not come up: " + read(log.toPath()));
      Thread.sleep(100);
    }
  }

  /**
   * Replaces {@code from}, which must occur exactly {@code times} times: the file changed if not.
   */
  private static String replace(String config, String from, String to, int times) {
    int found = config.split(Pattern.quote(from), -1).length - 1;
    assertEquals(times, found, "occurrences of '" + from + "' in " + conf());
    return config.replace(from, to);
  }

  private static Path findNginx() {
    List<String> dirs =
        new ArrayList<>(
            List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"));
    return dirs.stream()
        .filter(d -> !d.isEmpty())
        .map(d -> Path.of(d, "nginx"))
        .filter(Files::isExecutable)
        .findFirst()
        .orElse(null);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
