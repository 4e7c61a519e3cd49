package dev.streamgate.it;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real programs some tests run beside the gateway (nginx, redis-server, promtool), found on the
 * PATH.
 */
public final class Binaries {

  private Binaries() {}

  /** The program; when it is not installed, the test fails (or skips): see {@link Required}. */
  public static Path require(String program, String debianPackage) {
    Path binary = find(program);
    Required.tool(binary != null, program, "apt-get install " + debianPackage);
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
