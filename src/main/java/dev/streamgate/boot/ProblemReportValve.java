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
    Answer answer = answerFor(status);
    String json =
        "{\"type\":\"urn:streamgate:problem:"
            + answer.code().replace('_', '-')
            + "\",\"title\":\""
            + answer.title()
            + "\",\"status\":"
            + status
            + ",\"detail\":\""
            + answer.detail()
            + "\",\"code\":\""
            + answer.code()
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

  private record Answer(String code, String title, String detail) {}

  private static Answer answerFor(int status) {
    return switch (status) {
      case 400 ->
          new Answer(
              "bad_request",
              "Bad Request",
              "The request line or a header is malformed or too large (control characters are"
                  + " not allowed; the headers together may hold at most 8 KB).");
      case 408 ->
          new Answer("request_timeout", "Request Timeout", "The request did not arrive in time.");
      case 413 -> new Answer("body_too_large", "Content Too Large", "The request is too large.");
      case 414 -> new Answer("uri_too_long", "URI Too Long", "The request's URI is too long.");
      case 505 ->
          new Answer("http_version_not_supported", "HTTP Version Not Supported", "Use HTTP/1.1.");
      default ->
          status >= 500
              ? new Answer(
                  "internal_error",
                  "Internal Server Error",
                  "An internal error occurred; it has been logged.")
              : new Answer("bad_request", "Bad Request", "The request is not valid.");
    };
  }
}
