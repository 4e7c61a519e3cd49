package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** One raw HTTP/1.1 request to an {@link OwnGateway}, whose body is sent when the test says. */
final class RawUpload implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private String rest = "";

  private RawUpload(int port, String head) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout((int) Gateway.TIMEOUT.toMillis());
    in = socket.getInputStream();
    send(head);
  }

  /**
   * Sends {@code head} (a request line whose path is from the webapp's root, then headers, maybe a
   * body), with the path moved under the gateway's context path.
   */
  static RawUpload open(OwnGateway gateway, String head) throws IOException {
    return new RawUpload(
        gateway.port(), head.replaceFirst("^([A-Z]+) /", "$1 " + gateway.contextPath()));
  }

  /** Sends the headers and the first byte of {@code body}, and keeps the rest. */
  static RawUpload start(OwnGateway gateway, String path, String body, String headers)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    RawUpload upload =
        open(
            gateway,
            "POST "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + headers
                + "Content-Type: application/json\r\nContent-Length: "
                + bytes.length
                + "\r\n\r\n"
                + body.charAt(0));
    upload.rest = body.substring(1);
    return upload;
  }

  void send(String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    socket.getOutputStream().flush();
  }

  /** Sends the rest of the body. */
  RawUpload finish() throws IOException {
    send(rest);
    return this;
  }

  /** One response: its head, then as many body bytes as its Content-Length says. */
  String response() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + head);
      }
      head.write(b);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    var length = java.util.regex.Pattern.compile("(?i)\r\ncontent-length: *(\\d+)").matcher(text);
    int size = length.find() ? Integer.parseInt(length.group(1)) : 0;
    return text + new String(in.readNBytes(size), StandardCharsets.UTF_8);
  }

  /** The server has said nothing on this connection (checked for a fifth of a second). */
  void assertNothingYet() throws IOException {
    socket.setSoTimeout(200);
    try {
      assertThrows(SocketTimeoutException.class, in::read, "an answer before the body came");
    } finally {
      socket.setSoTimeout((int) Gateway.TIMEOUT.toMillis());
    }
  }

  /** The server closes the connection: end of stream, with nothing more said. */
  void assertClosed() throws IOException {
    try {
      assertEquals(-1, in.read(), "the connection stays open");
    } catch (java.net.SocketException reset) {
      // A reset is a close too: the server dropped what the client still had in flight.
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a test socket
    }
  }
}
