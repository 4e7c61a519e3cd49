package dev.streamgate.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway in its own JVM ({@code dev.streamgate.boot.Main} on the built webapp), so its CPU and
 * memory are measured apart from the load generator's. Its class path is this JVM's, cut down to
 * what the launcher needs: the app's classes and embedded Tomcat (the webapp brings the rest).
 */
final class ServerProcess implements AutoCloseable {

  private final Process process;
  final String base;

  private ServerProcess(Process process, String base) {
    this.process = process;
    this.base = base;
  }

  static ServerProcess start(int port, Path webapp, List<String> jvmOptions, Path log)
      throws IOException, InterruptedException {
    return start(port, webapp, jvmOptions, java.util.Map.of(), log);
  }

  /** The same with more settings ({@code STREAMGATE_*}) in its environment. */
  static ServerProcess start(
      int port, Path webapp, List<String> jvmOptions, java.util.Map<String, String> env, Path log)
      throws IOException, InterruptedException {
    List<String> classPath = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      if (entry.endsWith("classes") && !entry.endsWith("test-classes")
          || name.startsWith("tomcat-embed-")
          || name.startsWith("tomcat-annotations-api")) {
        classPath.add(entry);
      }
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(String.join(File.pathSeparator, classPath));
    command.add("dev.streamgate.boot.Main");
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("STREAMGATE_PORT", Integer.toString(port));
    builder.environment().put("STREAMGATE_WEBAPP", webapp.toAbsolutePath().toString());
    builder.environment().putIfAbsent("STREAMGATE_MAX_STREAMS", "20000");
    builder.environment().putAll(env);
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    ServerProcess server = new ServerProcess(builder.start(), "http://127.0.0.1:" + port);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!server.process.isAlive()) {
        throw new IOException("the server exited with " + server.process.exitValue() + "; see " + log);
      }
      try {
        ServerMetrics.get(server.base + "/health");
        return server;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    server.close();
    throw new IOException("the server did not answer /health within 60 s; see " + log);
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy(); // SIGTERM: the launcher's shutdown hook stops Tomcat cleanly
    if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
