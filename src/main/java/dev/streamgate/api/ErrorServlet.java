package dev.streamgate.api;

import dev.streamgate.web.ProblemResponses;
import dev.streamgate.web.Problems;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The container's error page (see web.xml): errors raised outside our code, like a 404 for an
 * unknown path or a 400 for a broken request line, answer problem+json too, never an HTML page.
 */
@WebServlet(urlPatterns = "/error")
public class ErrorServlet extends HttpServlet {

  private static final Logger LOG = Logger.getLogger(ErrorServlet.class.getName());

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    int status = code instanceof Integer i && i >= 400 ? i : 404;
    if (response.isCommitted()) {
      return; // a stream the client left: nothing can be said on it any more
    }
    // The answer says it has been logged: so it is, with what the container had.
    if (status >= 500) {
      Object failure = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
      LOG.log(
          Level.SEVERE,
          "the container answered "
              + status
              + " to "
              + request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI)
              + (failure == null ? " (no exception given)" : ""),
          failure instanceof Throwable t ? t : null);
    }
    response.resetBuffer();
    ProblemResponses.write(response, Problems.forStatus(status), 0);
  }
}
