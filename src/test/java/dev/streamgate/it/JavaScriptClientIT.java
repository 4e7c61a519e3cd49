package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.streamgate.boot.Main;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the JavaScript tests in {@code src/test/js} under Node against the built webapp on the
 * embedded launcher: the client module's tests, then the page's tests in Chromium. Node's own
 * output is printed and, on a failure, is the failure message.
 */
class JavaScriptClientIT {

  private static final Path JS_TESTS = Path.of("src", "test", "js").toAbsolutePath();
  private static final Path LOGS = Path.of("target", "js-tests").toAbsolutePath();
  private static final Path CHROMIUM =
      Path.of(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium"));
  private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));

  private static Tomcat tomcat;
  private static String base;

  @BeforeAll
  static void startGatewayAndInstallTestDependencies() throws Exception {
    Optional<Path> npm = onPath("npm");
    if (npm.isEmpty() && !CI) {
      assumeTrue(false, "Node.js/npm not found on PATH: the JavaScript tests are skipped");
    }
    int port = freePort();
    tomcat = Main.start(port, Path.of("target", "streamgate"));
    base = "http://127.0.0.1:" + port;
    boolean locked = Files.exists(JS_TESTS.resolve("package-lock.json"));
    run(
        "npm-install",
        List.of(
            npm.orElseThrow(() -> new AssertionError("npm not found on PATH, and CI=true"))
                .toString(),
            locked ? "ci" : "install",
            "--no-audit",
            "--no-fund"),
        Duration.ofMinutes(3));
  }

  @AfterAll
  static void stopGateway() throws Exception {
    if (tomcat != null) {
      tomcat.stop();
      tomcat.destroy();
    }
  }

  @Test
  void clientModuleTestsPassUnderNode() throws Exception {
    node("client", "client.test.mjs");
  }

  @Test
  void pageTestsPassInChromium() throws Exception {
    if (!Files.isExecutable(CHROMIUM) && !CI) {
      assumeTrue(
          false,
          "No Chromium at " + CHROMIUM + " (apt-get install chromium): the page tests are skipped");
    }
    node("page", "page.test.mjs");
  }

  private static void node(String name, String testFile) throws Exception {
    Path node = onPath("node").orElseThrow(() -> new AssertionError("node not found on PATH"));
    run(
        name,
        List.of(node.toString(), "--test", "--test-concurrency=1", testFile),
        Duration.ofMinutes(4));
  }

  /**
   * Runs a command in src/test/js, its output in target/js-tests/{name}.log, and fails on non-0.
   */
  private static void run(String name, List<String> command, Duration limit) throws Exception {
    Files.createDirectories(LOGS);
    Path log = LOGS.resolve(name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(JS_TESTS.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    if (base != null) {
      env.put("STREAMGATE_URL", base);
    }
    env.put("SCREENSHOT_DIR", Path.of("target", "screenshots").toAbsolutePath().toString());
    env.put("CHROMIUM_PATH", CHROMIUM.toString());
    Process process = builder.start();
    boolean ended = process.waitFor(limit.toSeconds(), TimeUnit.SECONDS);
    if (!ended) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println("---- " + String.join(" ", command) + "\n" + output);
    if (!ended) {
      fail(name + " did not finish within " + limit + ":\n" + output);
    }
    assertEquals(0, process.exitValue(), () -> name + " failed:\n" + output);
  }

  private static Optional<Path> onPath(String program) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(dir -> Path.of(dir, program))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** A free port in the range this project's tests and demos use on shared machines. */
  private static int freePort() throws IOException {
    for (int port = 18200; port < 18300; port++) {
      try (ServerSocket probe = new ServerSocket(port)) {
        return port;
      } catch (IOException taken) {
        // in use: try the next one
      }
    }
    throw new IOException("no free port in 18200-18299");
  }
}
