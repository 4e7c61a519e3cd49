package dev.streamgate.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writes a problem from a servlet, the way {@link ProblemMapper} does it for JAX-RS. */
public final class ProblemResponses {

  private ProblemResponses() {}

  public static void write(HttpServletResponse response, Throwable failure) throws IOException {
    write(response, Problems.of(failure), Problems.retryAfter(failure));
  }

  public static void write(HttpServletResponse response, Problem problem, long retryAfter)
      throws IOException {
    response.getOutputStream().write(prepare(response, problem, retryAfter));
  }

  /** Sets the status and headers of {@code problem}; returns its body. */
  public static byte[] prepare(HttpServletResponse response, Problem problem, long retryAfter) {
    response.setStatus(problem.status());
    response.setContentType(Problem.MEDIA_TYPE);
    if (retryAfter > 0) {
      response.setHeader("Retry-After", Long.toString(retryAfter));
    }
    byte[] body = Json.write(problem).getBytes(StandardCharsets.UTF_8);
    response.setContentLength(body.length);
    return body;
  }
}
