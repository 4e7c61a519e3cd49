package dev.streamgate.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real {@code redis-server} on a free loopback port, with no persistence: a restart loses every
 * key, the harshest outage the cluster must ride out.
 */
final class RedisServer implements AutoCloseable {

  private final Path binary;
  private final Path dir;
  final int port;
  private Process process;

  private RedisServer(Path binary, Path dir, int port) {
    this.binary = binary;
    this.dir = dir;
    this.port = port;
  }

  static RedisServer start() throws Exception {
    Path binary = Binaries.require("redis-server", "redis-server");
    Path dir = Path.of("target", "cluster-it").toAbsolutePath();
    Files.createDirectories(dir);
    RedisServer redis = new RedisServer(binary, dir, GatewayNode.freePort());
    redis.startProcess();
    return redis;
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  private void startProcess() throws Exception {
    process =
        new ProcessBuilder(
                binary.toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
            .start();
    Startup.await(
        "redis-server",
        process,
        Duration.ofSeconds(20),
        Startup.accepts(port),
        dir.resolve("redis.log"));
  }

  /** Stops Redis (SIGKILL: nothing is saved) and waits until it is gone. */
  void stop() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** Starts it again on the same port, empty. */
  void restart() throws Exception {
    startProcess();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      stop();
    }
  }
}
