package dev.streamgate.transport.poll;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Routes {@code /api/generations/{id}/poll} to {@link PollServlet}. A servlet mapping cannot put a
 * wildcard mid-path, and everything else under {@code /api} belongs to JAX-RS. Mapped in web.xml,
 * after the access filter.
 */
public class PollRoute extends HttpFilter {

  static final String ID = PollRoute.class.getName() + ".id";

  @Override
  protected void doFilter(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    String id = pollTarget(request.getRequestURI().substring(request.getContextPath().length()));
    if (id == null) {
      chain.doFilter(request, response);
      return;
    }
    request.setAttribute(ID, id);
    request.getServletContext().getNamedDispatcher(PollServlet.NAME).forward(request, response);
  }

  /** The id in {@code /api/generations/{id}/poll}, or null if the path is anything else. */
  static String pollTarget(String path) {
    String prefix = "/api/generations/";
    String suffix = "/poll";
    if (!path.startsWith(prefix)
        || !path.endsWith(suffix)
        || path.length() <= prefix.length() + suffix.length()) {
      return null;
    }
    String id = path.substring(prefix.length(), path.length() - suffix.length());
    return id.contains("/") ? null : id;
  }
}
