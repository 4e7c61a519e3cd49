package dev.streamgate.stream;

/** Who a stream belongs to, and how many live streams that owner may have at once. */
public record Owner(String name, int maxLive) {

  /** Everyone, when the gateway runs without keys: only the global limit applies. */
  public static final Owner ANYONE = new Owner("anonymous", Integer.MAX_VALUE);
}
