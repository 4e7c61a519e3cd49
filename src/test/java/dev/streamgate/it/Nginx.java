package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URL;
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
    Startup.await(
        "nginx",
        process,
        Gateway.TIMEOUT,
        Startup.answers200(URI.create(nginx.url.toString()).resolve("health")),
        log.toPath());
    return nginx;
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

  @Override
  public void close() throws InterruptedException {
    process.destroy(); // SIGTERM: nginx's fast shutdown
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
