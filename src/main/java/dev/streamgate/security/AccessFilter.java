package dev.streamgate.security;

import dev.streamgate.runtime.Settings;
import dev.streamgate.web.Problem;
import dev.streamgate.web.ProblemException;
import dev.streamgate.web.Routes;
import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * In front of {@code /api}, {@code /v1} and the {@code /ws} handshake: refuses foreign origins,
 * answers CORS for allowed ones, and finds the caller (key, ticket, or anonymous when open) before
 * anything else runs. Declared in web.xml so it runs before the long-poll route.
 */
public class AccessFilter extends HttpFilter {

  @Inject AccessPolicy policy;
  @Inject Settings settings;
  private Duration bodyTimeout;
  private int maxBodyBytes;

  @Override
  public void init() {
    bodyTimeout = settings.bodyTimeout();
    maxBodyBytes = settings.maxBodyBytes();
  }

  @Override
  protected void doFilter(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    try {
      String origin = request.getHeader("Origin");
      if (!policy.allowsOrigin(origin, ownOrigin(request))) {
        throw new ProblemException(
            Problem.of(
                403,
                "origin_not_allowed",
                "Pages from this origin may not use this gateway (STREAMGATE_ALLOWED_ORIGINS)."));
      }
      if (origin != null) {
        response.setHeader("Access-Control-Allow-Origin", origin);
        response.setHeader("Vary", "Origin");
        response.setHeader(
            "Access-Control-Expose-Headers", "Location, Retry-After, X-StreamGate-Generation");
        if ("OPTIONS".equals(request.getMethod())
            && request.getHeader("Access-Control-Request-Method") != null) {
          response.setHeader("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
          response.setHeader(
              "Access-Control-Allow-Headers",
              "Authorization, Content-Type, Last-Event-ID, X-StreamGate-On-Disconnect");
          response.setHeader("Access-Control-Max-Age", "600");
          response.setStatus(204);
          return;
        }
      }
      String ticket = ticketOf(request);
      Caller caller;
      if (path.equals("/ws")) {
        caller = policy.authenticateSocket(request.getHeader("Authorization"), ticket);
      } else {
        // a ticket is good only for the generation the URL reads or cancels
        caller =
            policy.authenticate(
                request.getHeader("Authorization"), ticket, Routes.generationOf(path));
      }
      request.setAttribute(Caller.ATTRIBUTE, caller);
    } catch (ProblemException refused) {
      if (refused.problem().status() == 401) {
        response.setHeader("WWW-Authenticate", "Bearer");
      }
      BodyFilter.refuse(request, response, refused, bodyTimeout, maxBodyBytes);
      return;
    }
    chain.doFilter(request, response);
  }

  /**
   * The {@code ticket} query parameter. Read from the query string only: getParameter would read
   * (and use up) a form-encoded body, which is what curl's {@code -d} sends by default.
   */
  private static String ticketOf(HttpServletRequest request) {
    String query = request.getQueryString();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith("ticket=")) {
        return URLDecoder.decode(pair.substring("ticket=".length()), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static String ownOrigin(HttpServletRequest request) {
    int port = request.getServerPort();
    boolean usual = port == ("https".equals(request.getScheme()) ? 443 : 80);
    return request.getScheme() + "://" + request.getServerName() + (usual ? "" : ":" + port);
  }
}
