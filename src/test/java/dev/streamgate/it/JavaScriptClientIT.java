package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs the JavaScript tests in {@code src/test/js} under Node against the built webapp on the run's
 * runtime (OwnGateway, so the page is also tested under a context path): the client module's tests,
 * then the page's tests in Chromium. A second gateway requires an API key, which the tests get in
 * clear through the environment. Node's own output is printed and, on a failure, is the failure
 * message. A Node test that skipped fails this test unless skipping is allowed ({@link Required}).
 */
@Tag("own-server")
class JavaScriptClientIT {

  private static final Path JS_TESTS = Path.of("src", "test", "js").toAbsolutePath();
  private static final Path LOGS = Path.of("target", "js-tests").toAbsolutePath();
  private static final Path CHROMIUM =
      Path.of(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium"));

  /** A fresh key per run; the keyed gateway holds only its SHA-256. */
  private static final String API_KEY = "sk-js-" + UUID.randomUUID();

  private static OwnGateway open;
  private static OwnGateway keyed;

  @BeforeAll
  static void startGatewaysAndInstallTestDependencies() throws Exception {
    Optional<Path> npm = onPath("npm");
    Required.tool(
        npm.isPresent() && onPath("node").isPresent(),
        "Node.js 20+ with npm",
        "apt-get install nodejs npm");
    open = OwnGateway.start(Map.of());
    byte[] hash =
        MessageDigest.getInstance("SHA-256").digest(API_KEY.getBytes(StandardCharsets.UTF_8));
    keyed =
        OwnGateway.start(
            Map.of("streamgate.api-keys", "js=sha256:" + HexFormat.of().formatHex(hash)));
    boolean locked = Files.exists(JS_TESTS.resolve("package-lock.json"));
    run(
        "npm-install",
        List.of(npm.orElseThrow().toString(), locked ? "ci" : "install", "--no-audit", "--no-fund"),
        Duration.ofMinutes(3));
  }

  @AfterAll
  static void stopGateways() throws Exception {
    for (OwnGateway server : new OwnGateway[] {open, keyed}) {
      if (server != null) {
        server.stop();
      }
    }
  }

  /** The gateway's base URL as the JavaScript client takes it: no trailing slash. */
  private static String base(OwnGateway server) {
    return server.gateway().uri("").toString().replaceFirst("/+$", "");
  }

  @Test
  void clientModuleTestsPassUnderNode() throws Exception {
    node("client", "client.test.mjs");
  }

  @Test
  void pageTestsPassInChromium() throws Exception {
    Required.tool(
        Files.isExecutable(CHROMIUM), "Chromium at " + CHROMIUM, "apt-get install chromium");
    node("page", "page.test.mjs");
  }

  private static void node(String name, String testFile) throws Exception {
    Path node = onPath("node").orElseThrow(() -> new AssertionError("node not found on PATH"));
    String output =
        run(
            name,
            List.of(
                node.toString(), "--test", "--test-reporter=tap", "--test-concurrency=1", testFile),
            Duration.ofMinutes(4));
    Matcher skipped = Pattern.compile("(?m)^# skipped (\\d+)$").matcher(output);
    assertTrue(skipped.find(), "no TAP summary from node:\n" + output);
    if (Required.ALL) {
      assertEquals(
          "0", skipped.group(1), () -> name + " skipped tests, and all must run:\n" + output);
    }
  }

  /**
   * Runs a command in src/test/js, its output in target/js-tests/{name}.log, and fails on non-0.
   */
  private static String run(String name, List<String> command, Duration limit) throws Exception {
    Files.createDirectories(LOGS);
    Path log = LOGS.resolve(name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(JS_TESTS.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.put("STREAMGATE_URL", base(open));
    env.put("STREAMGATE_KEYED_URL", base(keyed));
    env.put("STREAMGATE_API_KEY", API_KEY);
    env.put("STREAMGATE_REQUIRE_ALL", Boolean.toString(Required.ALL));
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
    return output;
  }

  private static Optional<Path> onPath(String program) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(dir -> Path.of(dir, program))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
