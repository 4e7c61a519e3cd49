package dev.streamgate.transport;

import dev.streamgate.web.ProblemException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** The one method a servlet route accepts; anything else is a 405 problem with {@code Allow}. */
public final class Methods {

  private Methods() {}

  public static void require(
      String allowed, HttpServletRequest request, HttpServletResponse response) {
    if (!allowed.equals(request.getMethod())) {
      response.setHeader("Allow", allowed);
      throw new ProblemException(405, "method_not_allowed", "Use " + allowed + " here.");
    }
  }
}
