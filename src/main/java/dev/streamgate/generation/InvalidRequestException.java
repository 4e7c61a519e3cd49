package dev.streamgate.generation;

/** A generation request that cannot be run as sent; the message says what to fix. */
public class InvalidRequestException extends RuntimeException {
  private final String code;
  private final String param;

  public InvalidRequestException(String code, String param, String message) {
    super(message);
    this.code = code;
    this.param = param;
  }

  /** Stable machine-readable code, e.g. {@code invalid_request} or {@code unknown_model}. */
  public String code() {
    return code;
  }

  /** The request field at fault, or null. */
  public String param() {
    return param;
  }
}
