package dev.streamgate.runtime;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Weld's request-context guard misreads async requests, which end on another thread than they
 * began: every SSE stream and long poll would log WELD-000714/000715 ("not fully compliant"). Known
 * and harmless on Tomcat; we keep that one category to errors so logs stay readable.
 */
@WebListener
public class QuietWeld implements ServletContextListener {

  // JUL holds loggers weakly: keep it, or the level is forgotten with the logger.
  private Logger weldServlet;

  @Override
  public void contextInitialized(ServletContextEvent event) {
    weldServlet = Logger.getLogger("org.jboss.weld.Servlet");
    weldServlet.setLevel(Level.SEVERE);
  }
}
