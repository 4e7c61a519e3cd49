package dev.streamgate.generation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A one-shot OpenAI-compatible server on a raw socket, so a test controls every byte: it answers
 * one request with a script (status, then body parts in HTTP chunks), optionally holds the
 * connection open, and reports the request it got and when the client hung up.
 */
final class FakeUpstream implements AutoCloseable {

  /** What the server does, in order. */
  interface Step {
    void run(OutputStream out) throws IOException, InterruptedException;
  }

  private final ServerSocket server;
  final CompletableFuture<String> request = new CompletableFuture<>();
  final CompletableFuture<Long> clientGoneNanos = new CompletableFuture<>();
  final CountDownLatch release = new CountDownLatch(1);
  private final Thread thread;

  FakeUpstream(Step... steps) throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    thread = new Thread(() -> serve(steps), "fake-upstream");
    thread.setDaemon(true);
    thread.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getLocalPort() + "/v1";
  }

  private void serve(Step... steps) {
    try (Socket socket = server.accept()) {
      InputStream in = socket.getInputStream();
      request.complete(readRequest(in));
      OutputStream out = socket.getOutputStream();
      for (Step step : steps) {
        step.run(out);
        out.flush();
      }
      // Then wait for the client to hang up (read returns -1) or the test to let go.
      socket.setSoTimeout(50);
      while (release.getCount() > 0) {
        try {
          if (in.read() < 0) {
            clientGoneNanos.complete(System.nanoTime());
            return;
          }
        } catch (java.net.SocketTimeoutException stillThere) {
          // poll again until released
        }
      }
    } catch (IOException | InterruptedException e) {
      clientGoneNanos.complete(System.nanoTime()); // a write failed: the client is gone
    }
  }

  private static String readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("request cut");
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String headers = head.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : headers.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return headers + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  static Step status(int code, String contentType) {
    return out ->
        out.write(
            ("HTTP/1.1 "
                    + code
                    + " X\r\nContent-Type: "
                    + contentType
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
  }

  /** One HTTP chunk carrying {@code text} exactly. */
  static Step chunk(String text) {
    return out -> {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(bytes);
      out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    };
  }

  static Step end() {
    return out -> out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Drops the connection on the spot, mid-body. */
  static Step cut() {
    return out -> {
      throw new IOException("cut by the script");
    };
  }

  @Override
  public void close() throws IOException {
    release.countDown();
    server.close();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
