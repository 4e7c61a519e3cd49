package dev.streamgate.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} for the cluster benchmark, on its own port, persisting as the shipped
 * compose file does ({@code appendonly yes}), and the CPU it has used ({@code INFO cpu}).
 */
final class RedisProcess implements AutoCloseable {

  private final Process process;
  final int port;

  private RedisProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static RedisProcess start(int port, Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve("appendonly.aof"));
    Process process =
        new ProcessBuilder(
                "redis-server",
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "yes",
                "--dir", dir.toAbsolutePath().toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    RedisProcess redis = new RedisProcess(process, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (Double.isNaN(cpuSeconds("127.0.0.1", port))) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        redis.close();
        throw new IOException("redis-server did not start on " + port + "; see " + dir);
      }
      Thread.sleep(100);
    }
    System.out.println("redis-server pid " + process.pid() + " on " + port);
    return redis;
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** User plus system CPU seconds the Redis on {@code port} has used; NaN if none answers there. */
  static double cpuSeconds(String host, int port) {
    if (port == 0) {
      return Double.NaN;
    }
    try (Socket socket = new Socket(host, port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write("INFO cpu\r\n".getBytes(StandardCharsets.US_ASCII));
      String info = readBulk(socket.getInputStream());
      return field(info, "used_cpu_user") + field(info, "used_cpu_sys");
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** One RESP bulk string ({@code $len\r\n...\r\n}). */
  private static String readBulk(InputStream in) throws IOException {
    StringBuilder header = new StringBuilder();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new IOException("closed");
      }
      header.append((char) b);
    }
    if (header.charAt(0) != '$') {
      throw new IOException("not a bulk reply: " + header);
    }
    byte[] body = in.readNBytes(Integer.parseInt(header.substring(1).trim()));
    return new String(body, StandardCharsets.US_ASCII);
  }

  private static double field(String info, String name) {
    int at = info.indexOf(name + ":");
    int end = info.indexOf('\r', at);
    return Double.parseDouble(info.substring(at + name.length() + 1, end));
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
