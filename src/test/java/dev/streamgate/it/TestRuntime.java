package dev.streamgate.it;

import java.util.Locale;

/**
 * The runtime a test run exercises, named by the failsafe execution ({@code streamgate.runtime}):
 * the embedded Tomcat in the test JVM, a standalone Tomcat, or Payara Micro. The one place a test
 * asks which runtime it is on, for behaviour that genuinely differs.
 */
enum TestRuntime {
  EMBEDDED,
  TOMCAT,
  PAYARA;

  static final TestRuntime CURRENT =
      valueOf(System.getProperty("streamgate.runtime", "embedded").toUpperCase(Locale.ROOT));

  /**
   * Whether the shared gateway serves Tomcat's connector metrics (connections, busy threads): a
   * standalone Tomcat does; Payara serves HTTP with Grizzly; Arquillian's embedded Tomcat registers
   * no connector MBeans for TomcatMetrics to read (the launcher does: MetricsIT checks them there).
   */
  static boolean servesTomcatMetrics() {
    return CURRENT == TOMCAT;
  }
}
