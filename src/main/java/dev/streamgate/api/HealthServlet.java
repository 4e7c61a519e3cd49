package dev.streamgate.api;

import dev.streamgate.stream.Cluster;
import dev.streamgate.stream.StreamRegistry;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET /health/live}: 200 while the application runs. {@code GET /health/ready} and {@code
 * GET /health}: 200 while the node takes new generations, 503 while it drains for a restart or
 * cannot reach the cluster's Redis (streams already running go on either way).
 */
@WebServlet(
    urlPatterns = {"/health", "/health/live", "/health/ready"},
    loadOnStartup = 1)
public class HealthServlet extends HttpServlet {

  @Inject StreamRegistry registry;
  @Inject Cluster cluster;

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    registry.liveCount(); // touches the registry: a broken CDI wiring fails here, not later
    String status;
    if (request.getServletPath().endsWith("/live")) {
      status = "UP";
    } else if (registry.isDraining()) {
      status = "DRAINING";
    } else if (!cluster.isAvailable()) {
      status = "REDIS_UNREACHABLE";
    } else {
      status = "UP";
    }
    response.setStatus("UP".equals(status) ? 200 : 503);
    response.setContentType("application/json");
    response.setHeader("Cache-Control", "no-store");
    response.getWriter().write("{\"status\":\"" + status + "\"}");
  }
}
