package dev.streamgate.transport;

import dev.streamgate.runtime.Settings;
import dev.streamgate.security.BodyFilter;
import dev.streamgate.transport.sse.SseExchange;
import jakarta.inject.Inject;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Routes {@code /api/generations/{id}/poll} to its servlet (by name: a servlet mapping cannot put a
 * wildcard mid-path, and the rest of {@code /api} belongs to JAX-RS), and hands {@code /events} on
 * to Jersey inside an {@link SseExchange}. Mapped in web.xml, after the access filter.
 */
public class GenerationRoutes extends HttpFilter {

  @Inject Settings settings;
  private boolean sseThroughServlet;

  /** Reads the SSE writer setting once: a bad value stops the deployment, naming it. */
  @Override
  public void init() {
    sseThroughServlet = settings.sseThroughServlet();
  }

  private static final String ID = GenerationRoutes.class.getName() + ".id";
  private static final String PREFIX = "/api/generations/";

  /** The generation id of a routed request. */
  public static String idOf(ServletRequest request) {
    return (String) request.getAttribute(ID);
  }

  @Override
  protected void doFilter(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (request.getDispatcherType() == DispatcherType.ASYNC && !BodyFilter.hasReadBody(request)) {
      chain.doFilter(request, response); // a stream's own async dispatch: already routed
      return;
    }
    String path = request.getRequestURI().substring(request.getContextPath().length());
    String servlet = target(path);
    if (servlet == null) {
      chain.doFilter(request, response);
      return;
    }
    if (servlet.equals("events") && !sseThroughServlet) {
      SseExchange exchange = new SseExchange(request, response);
      try {
        chain.doFilter(exchange.request(), exchange.response());
      } finally {
        exchange.leftJersey();
      }
      return;
    }
    request.setAttribute(ID, path.substring(PREFIX.length(), path.lastIndexOf('/')));
    request.getServletContext().getNamedDispatcher(servlet).forward(request, response);
  }

  /** The servlet for {@code /api/generations/{id}/poll} or {@code /events}, or null. */
  static String target(String path) {
    if (!path.startsWith(PREFIX)) {
      return null;
    }
    int slash = path.indexOf('/', PREFIX.length());
    if (slash <= PREFIX.length() || path.indexOf('/', slash + 1) >= 0) {
      return null;
    }
    String tail = path.substring(slash + 1);
    return tail.equals("poll") || tail.equals("events") ? tail : null;
  }
}
