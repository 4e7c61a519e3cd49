package dev.streamgate.api;

import dev.streamgate.runtime.Settings;
import dev.streamgate.stream.StreamRegistry;
import jakarta.inject.Inject;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

/**
 * Lets the embedded launcher drain the node while its connector still answers: new generations get
 * {@code 503 draining} and readiness says so, which a load balancer can act on, instead of
 * connections that wait on a paused connector. Containers drain at undeploy instead.
 */
@WebListener
public class DrainHook implements ServletContextListener {

  /** The servlet-context attribute holding the drain, a {@link Runnable}. */
  public static final String ATTRIBUTE = "dev.streamgate.drain";

  @Inject StreamRegistry registry;
  @Inject Settings settings;

  @Override
  public void contextInitialized(ServletContextEvent event) {
    Runnable drain = () -> registry.drain(settings.drainTimeout());
    event.getServletContext().setAttribute(ATTRIBUTE, drain);
  }
}
