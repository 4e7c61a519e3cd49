package dev.streamgate.metrics;

import dev.streamgate.security.AccessPolicy;
import dev.streamgate.web.Problem;
import dev.streamgate.web.ProblemException;
import dev.streamgate.web.ProblemResponses;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /metrics}: Prometheus' text format. Who may read it is {@code
 * STREAMGATE_METRICS_ACCESS}, decided once at start: {@code open}, {@code loopback} (a scraper on
 * the same host or pod; the default when API keys are configured), or the name of the API key a
 * scraper sends.
 */
@WebServlet(urlPatterns = "/metrics", loadOnStartup = 1)
public class MetricsServlet extends HttpServlet {

  @Inject GatewayMetrics metrics;
  @Inject AccessPolicy policy;
  private String access;

  @Override
  public void init() {
    access = policy.metricsAccess(); // a bad value stops the start here
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    try {
      allow(request);
    } catch (ProblemException refused) {
      if (refused.problem().status() == 401) {
        response.setHeader("WWW-Authenticate", "Bearer");
      }
      ProblemResponses.write(response, refused);
      return;
    }
    byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
    response.setContentType("text/plain; version=0.0.4; charset=utf-8");
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  private void allow(HttpServletRequest request) {
    switch (access) {
      case "open" -> {}
      case "loopback" -> {
        if (!isLoopback(request.getRemoteAddr())) {
          throw new ProblemException(
              Problem.of(
                  403,
                  "metrics_not_allowed",
                  "Metrics are served to this host only (STREAMGATE_METRICS_ACCESS=loopback)."));
        }
      }
      default -> {
        String caller = policy.authenticate(request.getHeader("Authorization"), null, null).name();
        if (!caller.equals(access)) {
          throw new ProblemException(
              Problem.of(
                  403,
                  "metrics_not_allowed",
                  "Metrics are served to one API key only (STREAMGATE_METRICS_ACCESS)."));
        }
      }
    }
  }

  /** Whether {@code address} (an IP literal, as the container reports it) is this host's. */
  public static boolean isLoopback(String address) {
    if (address == null || !address.matches("[0-9A-Fa-f:.%]+")) {
      return false; // only literals: never a name to look up
    }
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (java.net.UnknownHostException notALiteral) {
      return false;
    }
  }
}
