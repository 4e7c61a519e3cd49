package dev.streamgate.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Errors on {@code /v1} in OpenAI's envelope, {@code {"error":{"message","type","param","code"}}},
 * with the statuses OpenAI uses, so SDKs raise the exception they always raise.
 */
public final class OpenAiErrors {

  private OpenAiErrors() {}

  public static void write(HttpServletResponse response, Throwable failure) throws IOException {
    response.getOutputStream().write(prepare(response, failure));
  }

  /** Sets the status and headers of the error envelope for {@code failure}; returns its body. */
  public static byte[] prepare(HttpServletResponse response, Throwable failure) {
    Problem problem = Problems.of(failure);
    int status = "unknown_model".equals(problem.code()) ? 404 : problem.status();
    String code = "unknown_model".equals(problem.code()) ? "model_not_found" : problem.code();
    response.setStatus(status);
    response.setContentType("application/json");
    long retryAfter = Problems.retryAfter(failure);
    if (retryAfter > 0) {
      response.setHeader("Retry-After", Long.toString(retryAfter));
    }
    byte[] body =
        envelope(problem.detail(), type(status), problem.param(), code)
            .getBytes(StandardCharsets.UTF_8);
    response.setContentLength(body.length);
    return body;
  }

  static String envelope(String message, String type, String param, String code) {
    StringBuilder json = new StringBuilder(200);
    Json.quote(json.append("{\"error\":{\"message\":"), message);
    Json.quote(json.append(",\"type\":"), type);
    json.append(",\"param\":");
    if (param == null) {
      json.append("null");
    } else {
      Json.quote(json, param);
    }
    return Json.quote(json.append(",\"code\":"), code).append("}}").toString();
  }

  private static String type(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "server_error" : "invalid_request_error";
    };
  }
}
