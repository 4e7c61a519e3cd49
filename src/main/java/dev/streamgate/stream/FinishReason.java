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

  /** The reason whose wire value is {@code wire}. */
  public static FinishReason ofWire(String wire) {
    for (FinishReason reason : values()) {
      if (reason.wire.equals(wire)) {
        return reason;
      }
    }
    throw new IllegalArgumentException("no finish reason " + wire);
  }
}
