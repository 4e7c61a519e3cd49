package dev.streamgate.stream;

/** Why a generation ended; the wire value is what clients see as {@code finish_reason}. */
public enum FinishReason {
  STOP("stop"),
  LENGTH("length"),
  CANCELLED("cancelled"),
  ERROR("error");

  private final String wire;

  FinishReason(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }
}
