package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Reading the gateway's {@code /metrics} as Prometheus would, and linting it with promtool. */
final class Prometheus {

  private Prometheus() {}

  /**
   * The value of one series, written as the exposition writes it ({@code name{label="v",…}}, labels
   * in name order), or 0 if the series is not there yet.
   */
  static double value(String exposition, String series) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return 0;
  }

  /** {@code promtool check metrics} accepts the text (Debian's prometheus package). */
  static void assertLintClean(String exposition) throws Exception {
    Process promtool =
        new ProcessBuilder(
                Binaries.require("promtool", "prometheus").toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try (var in = promtool.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    String said = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!promtool.waitFor(Gateway.TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      promtool.destroyForcibly();
      throw new AssertionError("promtool did not finish");
    }
    assertEquals(0, promtool.exitValue(), "promtool check metrics: " + said);
  }
}
