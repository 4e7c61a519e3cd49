package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The one rule for what must run. By default everything must: a test whose tool (Node, Chromium,
 * nginx, redis-server, promtool) is missing fails and says what to install; {@code .ci/run}
 * installs them all. {@code -Dstreamgate.require-all=false} lets a developer without one skip the
 * tests that need it, visibly (JUnit reports them skipped). The Node tests get the same rule
 * through {@code STREAMGATE_REQUIRE_ALL}.
 */
public final class Required {

  /** Whether every test must run (the default), rather than skip when a tool is missing. */
  public static final boolean ALL =
      !"false".equalsIgnoreCase(System.getProperty("streamgate.require-all", "true"));

  private Required() {}

  /** Fails (or, with require-all=false, skips) the test when {@code present} is false. */
  public static void tool(boolean present, String what, String install) {
    if (present) {
      return;
    }
    String message = what + " is not installed (" + install + "; .ci/run installs it)";
    if (ALL) {
      fail(message + ". To skip the tests that need it, run with -Dstreamgate.require-all=false.");
    }
    assumeTrue(false, message + ": skipped (-Dstreamgate.require-all=false)");
  }
}
