package dev.streamgate.transport.sse;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Runs a task once the request thread has left Jersey. An SSE stream's first write resumes Jersey's
 * suspended response; done from another thread while the resource method is still returning, that
 * resume can race Jersey's own processing and leave every event queued, unsent. So the follower
 * starts here, after {@code chain.doFilter} returns. Mapped in web.xml.
 */
public class AfterJersey extends HttpFilter {

  private static final String TASK = AfterJersey.class.getName() + ".task";
  private static final String ACTIVE = AfterJersey.class.getName() + ".active";

  /** Runs {@code task} after the request thread leaves Jersey (at once if no filter is there). */
  static void run(ServletRequest request, Runnable task) {
    if (request.getAttribute(ACTIVE) == null) {
      task.run();
    } else {
      request.setAttribute(TASK, task);
    }
  }

  @Override
  protected void doFilter(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    request.setAttribute(ACTIVE, Boolean.TRUE);
    try {
      chain.doFilter(request, response);
    } finally {
      if (request.getAttribute(TASK) instanceof Runnable task) {
        request.removeAttribute(TASK);
        task.run();
      }
    }
  }
}
