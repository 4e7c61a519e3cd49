package dev.streamgate.web;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem: {@code type} is stable per {@code code}, {@code detail} says what to fix.
 * Never carries a stack trace or an internal address.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
    String type, String title, int status, String detail, String code, String param) {

  public static final String MEDIA_TYPE = "application/problem+json";

  public static Problem of(int status, String code, String detail) {
    return of(status, code, detail, null);
  }

  public static Problem of(int status, String code, String detail, String param) {
    return new Problem(
        "urn:streamgate:problem:" + code.replace('_', '-'),
        title(status),
        status,
        detail,
        code,
        param);
  }

  private static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 406 -> "Not Acceptable";
      case 408 -> "Request Timeout";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 415 -> "Unsupported Media Type";
      case 429 -> "Too Many Requests";
      case 503 -> "Service Unavailable";
      default -> status >= 500 ? "Internal Server Error" : "Bad Request";
    };
  }
}
