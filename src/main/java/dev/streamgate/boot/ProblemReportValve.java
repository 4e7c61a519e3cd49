package dev.streamgate.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Tomcat's answer to requests it refuses before any webapp sees them (a NUL or CR in a header, a
 * header over the size limit, a broken request line), as problem+json like every other refusal
 * instead of Tomcat's HTML page. Self-contained: it runs in the launcher's class loader, where the
 * webapp's JSON library is not. The host makes it ({@code errorReportValveClass}), so Tomcat adds
 * no HTML one of its own.
 */
public final class ProblemReportValve extends ErrorReportValve {

  public ProblemReportValve() {
    setShowReport(false); // no stack traces or versions, even from the container
    setShowServerInfo(false);
  }

  @Override
  protected void report(Request request, Response response, Throwable failure) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return; // not an error, or the webapp (its error page) has answered already
    }
    String code;
    String title = "Bad Request";
    String detail;
    switch (status) {
      case 400 -> {
        code = "bad_request";
        detail =
            "The request line or a header is malformed or too large (control characters are"
                + " not allowed; the headers together may hold at most 8 KB).";
      }
      case 408 -> {
        code = "request_timeout";
        title = "Request Timeout";
        detail = "The request did not arrive in time.";
      }
      case 413 -> {
        code = "body_too_large";
        title = "Content Too Large";
        detail = "The request is too large.";
      }
      case 414 -> {
        code = "uri_too_long";
        title = "URI Too Long";
        detail = "The request's URI is too long.";
      }
      case 505 -> {
        code = "http_version_not_supported";
        title = "HTTP Version Not Supported";
        detail = "Use HTTP/1.1.";
      }
      default -> {
        code = status >= 500 ? "internal_error" : "bad_request";
        title = status >= 500 ? "Internal Server Error" : title;
        detail =
            status >= 500
                ? "An internal error occurred; it has been logged."
                : "The request is not valid.";
      }
    }
    String json =
        "{\"type\":\"urn:streamgate:problem:"
            + code.replace('_', '-')
            + "\",\"title\":\""
            + title
            + "\",\"status\":"
            + status
            + ",\"detail\":\""
            + detail
            + "\",\"code\":\""
            + code
            + "\"}";
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    try {
      response.resetBuffer();
      response.setContentType("application/problem+json");
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
      response.finishResponse();
    } catch (IOException | IllegalStateException e) {
      // the client is gone or the response cannot be written: nothing more to tell it
    }
  }
}
