package dev.streamgate.bench;

/** What a load run speaks to the gateway. */
enum Transport {
  /** {@code POST /api/generations}, then {@code GET .../events}. */
  SSE,
  /** {@code /ws}: one socket, a {@code generate} message per stream. */
  WS,
  /** {@code POST /api/generations}, then {@code GET .../poll?after=n&wait=25} until done. */
  POLL,
  /** {@code POST /v1/chat/completions} with {@code stream:true}. */
  OPENAI,
  /** gRPC {@code streamgate.v1.StreamGate/Generate} over h2c (see {@link GrpcClients}). */
  GRPC,
  /** SSE as {@link #SSE}, over h2c: HTTP/2 streams on shared connections ({@link H2SseClients}). */
  SSE_H2C,
  /** An SSE subscription that sees no token: for memory per open connection. */
  IDLE_SSE,
  /** An open WebSocket that asks for nothing: for memory per open connection. */
  IDLE_WS;

  static Transport of(String name) {
    return valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
  }

  String label() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
