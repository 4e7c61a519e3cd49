package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JavaScript tests in {@code src/test/js}, run under Node: their dependencies installed once a
 * JVM ({@code npm ci}), each file's output in {@code target/js-tests/{name}.log} and printed, and a
 * failure's message is Node's output. A Node test that skipped fails the run unless skipping is
 * allowed ({@link Required}).
 */
final class NodeTests {

  private static final Path JS_TESTS = Path.of("src", "test", "js").toAbsolutePath();
  private static final Path LOGS = Path.of("target", "js-tests").toAbsolutePath();
  static final Path CHROMIUM =
      Path.of(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium"));
  private static boolean installed;

  private NodeTests() {}

  /** Fails (or skips visibly) without Node and npm; installs the tests' packages once. */
  static synchronized void install() throws Exception {
    Optional<Path> npm = onPath("npm");
    Required.tool(
        npm.isPresent() && onPath("node").isPresent(),
        "Node.js 20+ with npm",
        "apt-get install nodejs npm");
    if (installed) {
      return;
    }
    boolean locked = Files.exists(JS_TESTS.resolve("package-lock.json"));
    run(
        "npm-install",
        List.of(npm.orElseThrow().toString(), locked ? "ci" : "install", "--no-audit", "--no-fund"),
        Map.of(),
        Duration.ofMinutes(3));
    installed = true;
  }

  static void requireChromium() {
    Required.tool(
        Files.isExecutable(CHROMIUM), "Chromium at " + CHROMIUM, "apt-get install chromium");
  }

  /** Runs {@code node --test testFile} with {@code env} added; fails on a failure or a skip. */
  static void test(String name, String testFile, Map<String, String> env) throws Exception {
    Path node = onPath("node").orElseThrow(() -> new AssertionError("node not found on PATH"));
    String output =
        run(
            name,
            List.of(
                node.toString(), "--test", "--test-reporter=tap", "--test-concurrency=1", testFile),
            env,
            Duration.ofMinutes(4));
    Matcher skipped = Pattern.compile("(?m)^# skipped (\\d+)$").matcher(output);
    assertTrue(skipped.find(), "no TAP summary from node:\n" + output);
    if (Required.ALL) {
      assertEquals(
          "0", skipped.group(1), () -> name + " skipped tests, and all must run:\n" + output);
    }
  }

  private static String run(
      String name, List<String> command, Map<String, String> extra, Duration limit)
      throws Exception {
    Files.createDirectories(LOGS);
    Path log = LOGS.resolve(name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(JS_TESTS.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = new HashMap<>(extra);
    env.put("STREAMGATE_REQUIRE_ALL", Boolean.toString(Required.ALL));
    env.put("SCREENSHOT_DIR", Path.of("target", "screenshots").toAbsolutePath().toString());
    env.put("CHROMIUM_PATH", CHROMIUM.toString());
    builder.environment().putAll(env);
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
