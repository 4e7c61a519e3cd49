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
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the JavaScript tests in {@code src/test/js} under Node against the built webapp on the
 * embedded launcher: the client module's tests, then the page's tests in Chromium. A second gateway
 * requires an API key, which the tests get in clear through the environment. Node's own output is
 * printed and, on a failure, is the failure message.
 */
class JavaScriptClientIT {

  private static final Path JS_TESTS = Path.of("src", "test", "js").toAbsolutePath();
  private static final Path LOGS = Path.of("target", "js-tests").toAbsolutePath();
  private static final Path CHROMIUM =
      Path.of(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium"));
  private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));

  /** A fresh key per run; the keyed gateway holds only its SHA-256. */
  private static final String API_KEY = "sk-js-" + UUID.randomUUID();

  private static Tomcat tomcat;
  private static Tomcat keyedTomcat;
  private static String base;
  private static String keyedBase;

  @BeforeAll
  static void startGatewayAndInstallTestDependencies() throws Exception {
    Optional<Path> npm = onPath("npm");
    if (npm.isEmpty() && !CI) {
      assumeTrue(false, "Node.js/npm not found on PATH: the JavaScript tests are skipped");
    }
    int port = freePort(0);
    tomcat = Main.start(port, Path.of("target", "streamgate"));
    base = "http://127.0.0.1:" + port;
    int keyedPort = freePort(port + 1);
    keyedTomcat = startWithKey(keyedPort);
    keyedBase = "http://127.0.0.1:" + keyedPort;
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

  /**
   * Keys are read as the application starts, so they are set for this start only (as SecurityIT).
   */
  private static Tomcat startWithKey(int port) throws Exception {
    byte[] hash =
        MessageDigest.getInstance("SHA-256").digest(API_KEY.getBytes(StandardCharsets.UTF_8));
    System.setProperty("streamgate.api-keys", "js=sha256:" + HexFormat.of().formatHex(hash));
    try {
      return Main.start(port, Path.of("target", "streamgate"));
    } finally {
      System.clearProperty("streamgate.api-keys");
    }
  }

  @AfterAll
  static void stopGateways() throws Exception {
    for (Tomcat server : new Tomcat[] {tomcat, keyedTomcat}) {
      if (server != null) {
        server.stop();
        server.destroy();
      }
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
      env.put("STREAMGATE_KEYED_URL", keyedBase);
      env.put("STREAMGATE_API_KEY", API_KEY);
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

  /**
   * A free port from {@code from} in the range this project's tests and demos use on shared
   * machines: 18200-18299, or another given as {@code -Dstreamgate.it-ports=18500-18599}.
   */
  private static int freePort(int from) throws IOException {
    String[] range = System.getProperty("streamgate.it-ports", "18200-18299").split("-");
    int first = Integer.parseInt(range[0].strip());
    int last = Integer.parseInt(range[1].strip());
    for (int port = Math.max(first, from); port <= last; port++) {
      try (ServerSocket probe = new ServerSocket(port)) {
        return port;
      } catch (IOException taken) {
        // in use: try the next one
      }
    }
    throw new IOException("no free port in " + first + "-" + last);
  }
}
