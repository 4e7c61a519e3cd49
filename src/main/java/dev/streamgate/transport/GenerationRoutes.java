package dev.streamgate.transport;

import dev.streamgate.runtime.Settings;
import dev.streamgate.security.BodyFilter;
import dev.streamgate.transport.sse.SseExchange;
import dev.streamgate.web.Routes;
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
    Routes.Route route = Routes.of(path);
    String servlet = route == null ? null : target(route);
    if (servlet == null) {
      chain.doFilter(request, response);
      return;
    }
    if (servlet.equals(Routes.EVENTS) && !sseThroughServlet) {
      SseExchange exchange = new SseExchange(request, response);
      try {
        chain.doFilter(exchange.request(), exchange.response());
      } finally {
        exchange.leftJersey();
      }
      return;
    }
    request.setAttribute(ID, route.generation());
    request.getServletContext().getNamedDispatcher(servlet).forward(request, response);
  }

  /**
   * The servlet (by its web.xml name) for {@code /api/generations/{id}/poll} or {@code /events}.
   */
  static String target(Routes.Route route) {
    return route.what().equals(Routes.POLL) || route.what().equals(Routes.EVENTS)
        ? route.what()
        : null;
  }
}
