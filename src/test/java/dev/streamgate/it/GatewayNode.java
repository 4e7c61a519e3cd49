package dev.streamgate.it;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One gateway node in its own JVM (the launcher on the built webapp), so a test can run several,
 * stop one with SIGTERM as an orchestrator does, or kill it with SIGKILL as a crash does.
 */
final class GatewayNode implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;
  private final URL url;
  final Gateway gateway;

  private GatewayNode(String name, Process process, Path log, URL url) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.url = url;
    this.gateway = new Gateway(url);
  }

  URL url() {
    return url;
  }

  /** Starts the node and waits until {@code /health/live} answers; {@code env} adds settings. */
  static GatewayNode start(String name, int port, Map<String, String> env) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1"); // starts faster; these nodes are not benchmarked
    command.add("-cp");
    command.add(classPath());
    command.add("dev.streamgate.boot.Main");
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("STREAMGATE_PORT", Integer.toString(port));
    builder.environment().put("STREAMGATE_ADDRESS", "127.0.0.1");
    builder.environment().put("STREAMGATE_NODE_ID", name);
    builder
        .environment()
        .put("STREAMGATE_WEBAPP", Path.of("target", "streamgate").toAbsolutePath().toString());
    builder.environment().putAll(env);
    Path dir = Path.of("target", "cluster-it");
    Files.createDirectories(dir);
    Path log = dir.resolve(name + ".log");
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    GatewayNode node =
        new GatewayNode(name, builder.start(), log, new URL("http", "127.0.0.1", port, "/"));
    node.awaitLive();
    return node;
  }

  private void awaitLive() throws Exception {
    Startup.await(
        name,
        process,
        Duration.ofSeconds(90),
        Startup.answers200(URI.create(url + "health/live")),
        log);
  }

  /** The launcher's classes and embedded Tomcat; the webapp brings everything else. */
  private static String classPath() throws Exception {
    Set<String> entries = new LinkedHashSet<>();
    for (String type :
        List.of(
            "dev.streamgate.boot.Main",
            "org.apache.catalina.startup.Tomcat",
            "org.apache.tomcat.websocket.server.WsSci",
            "jakarta.annotation.Resource")) {
      entries.add(
          Path.of(Class.forName(type).getProtectionDomain().getCodeSource().getLocation().toURI())
              .toString());
    }
    return String.join(File.pathSeparator, entries);
  }

  /** Picks a free loopback port. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** SIGTERM, as an orchestrator stops a container: the node drains, then exits. */
  void terminate() {
    process.destroy();
  }

  /** SIGKILL, as a crash: nothing runs on the way out. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  boolean awaitExit(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
