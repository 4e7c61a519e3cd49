package dev.streamgate.runtime;

import jakarta.servlet.ServletContext;

/** What the servlet container we are deployed in is, where its behaviour makes us differ. */
public final class Containers {

  private Containers() {}

  /** Whether {@code context} is served by Payara or GlassFish, whose HTTP layer is Grizzly's. */
  public static boolean isGrizzly(ServletContext context) {
    String server = context.getServerInfo();
    return server.contains("Payara") || server.contains("GlassFish");
  }
}
