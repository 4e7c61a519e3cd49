package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The real servers some tests run beside the gateway (nginx, redis-server), found on the PATH. */
public final class Binaries {

  private Binaries() {}

  /**
   * The program, or the test is skipped when it is not installed, except under CI (which installs
   * it, see {@code .ci/run}), where that fails the test.
   */
  public static Path require(String program, String debianPackage) {
    Path binary = find(program);
    assumeTrue(
        binary != null || System.getenv("CI") != null,
        program
            + " is not installed: skipped (apt-get install "
            + debianPackage
            + "; .ci/run installs it)");
    assertNotNull(binary, "CI is set but " + program + " is not installed");
    return binary;
  }

  private static Path find(String program) {
    List<String> dirs =
        new ArrayList<>(
            List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.addAll(List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"));
    return dirs.stream()
        .filter(d -> !d.isEmpty())
        .map(d -> Path.of(d, program))
        .filter(Files::isExecutable)
        .findFirst()
        .orElse(null);
  }
}
