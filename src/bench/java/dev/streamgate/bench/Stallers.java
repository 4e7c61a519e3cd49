package dev.streamgate.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Clients that stop reading: raw sockets with a 1 KB receive buffer that subscribe over SSE,
 * {@code /v1} (resume), WebSocket and long polling to a few huge generations (about 5 MB each,
 * more than the kernel's socket buffers hold) and never read a byte. They stay open until closed.
 */
final class Stallers implements AutoCloseable {

  private static final String HUGE =
      "{\"model\":\"simulated\",\"messages\":[{\"role\":\"user\",\"content\":\"tell me about "
          + "a".repeat(16_000)
          + "\"}],\"max_tokens\":8192,\"simulation\":{\"ttft_ms\":0,\"tokens_per_second\":5000,"
          + "\"seed\":1,\"length\":8192}}";

  private final List<Socket> sockets = new ArrayList<>();

  /** Opens {@code count} stalled clients spread evenly over the four transports. */
  static Stallers open(String base, int count) throws IOException, InterruptedException {
    Stallers stallers = new Stallers();
    URI uri = URI.create(base);
    String[] ids = new String[Math.max(1, count / 20)]; // 20 readers a generation: memory bounded
    for (int i = 0; i < ids.length; i++) {
      ids[i] = ServerMetrics.start(base, HUGE);
    }
    for (int i = 0; i < count; i++) {
      String id = ids[i % ids.length];
      String request =
          switch (i % 4) {
            case 0 -> "GET /api/generations/" + id + "/events HTTP/1.1\r\nHost: x\r\n\r\n";
            case 1 ->
                "GET /v1/chat/completions/chatcmpl-"
                    + id
                    + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
            case 2 ->
                "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n";
            default -> "GET /api/generations/" + id + "/poll?after=0&wait=0 HTTP/1.1\r\nHost: x\r\n\r\n";
          };
      Socket socket = new Socket();
      socket.setReceiveBufferSize(1024);
      socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()));
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      if (i % 4 == 2) {
        java.nio.ByteBuffer frame =
            WsFrames.text("{\"type\":\"subscribe\",\"id\":\"" + id + "\",\"after\":0}");
        out.write(frame.array(), 0, frame.limit());
      }
      stallers.sockets.add(socket);
    }
    return stallers;
  }

  int size() {
    return sockets.size();
  }

  @Override
  public void close() {
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing a socket nobody reads: nothing to recover
      }
    }
  }
}
