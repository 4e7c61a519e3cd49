package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * nginx as a plain process, configured by the very file the Docker setup ships ({@code
 * docker/nginx.conf}); only its two upstream servers, its listen address and {@code /tmp/} change.
 */
final class Nginx implements AutoCloseable {

  private final Process process;
  private final URL url;

  private Nginx(Process process, URL url) {
    this.process = process;
    this.url = url;
  }

  /** The proxy's URL, with the gateways' context path. */
  URL url() {
    return url;
  }

  static Path conf() {
    return Path.of(System.getProperty("streamgate.nginx-conf", "docker/nginx.conf"));
  }

  /**
   * Starts nginx on {@code port} in front of {@code first} and {@code second} (the same URL twice
   * for one node); files go to {@code target/<name>}.
   */
  static Nginx start(String name, int port, URL first, URL second) throws Exception {
    Path binary = Binaries.require("nginx", "nginx");
    Path dir = Path.of("target", name).toAbsolutePath();
    Files.createDirectories(dir);
    String config = Files.readString(conf());
    config = replace(config, "listen 8080;", "listen 127.0.0.1:" + port + ";", 1);
    config = replace(config, "server streamgate-1:8080", "server " + hostPort(first), 1);
    config = replace(config, "server streamgate-2:8080", "server " + hostPort(second), 1);
    config = replace(config, " /tmp/", " " + dir + "/", 6);
    Path file = dir.resolve("nginx.conf");
    Files.writeString(file, config);

    File log = dir.resolve("nginx.out").toFile();
    Process process =
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
    Nginx nginx = new Nginx(process, new URL("http", "127.0.0.1", port, first.getPath()));
    URL health = URI.create(nginx.url.toString()).resolve("health").toURL();
    long deadline = System.nanoTime() + Gateway.TIMEOUT.toNanos();
    while (true) {
      assertTrue(process.isAlive(), () -> "nginx stopped: " + read(log.toPath()));
      try {
        HttpURLConnection connection = (HttpURLConnection) health.openConnection();
        if (connection.getResponseCode() == 200) {
          return nginx;
        }
      } catch (IOException e) {
        // not listening yet
      }
      assertTrue(
          System.nanoTime() < deadline, () -> "nginx did not come up: " + read(log.toPath()));
      Thread.sleep(100); // polls the condition until the deadline
    }
  }

  private static String hostPort(URL gateway) throws IOException {
    InetAddress address = InetAddress.getByName(gateway.getHost());
    return (address instanceof Inet6Address
            ? "[" + address.getHostAddress() + "]"
            : address.getHostAddress())
        + ":"
        + gateway.getPort();
  }

  /**
   * Replaces {@code from}, which must occur exactly {@code times} times: the file changed if not.
   */
  private static String replace(String config, String from, String to, int times) {
    int found = config.split(Pattern.quote(from), -1).length - 1;
    assertEquals(times, found, "occurrences of '" + from + "' in " + conf());
    return config.replace(from, to);
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy(); // SIGTERM: nginx's fast shutdown
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
