package dev.streamgate.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Cleartext HTTP/2 with prior knowledge on a raw socket, written by hand so a test can be the
 * client a library would never be: one that grants the server unlimited flow-control windows and
 * then stops reading, so what holds the server back is TCP itself. Requests are one HEADERS frame
 * of HPACK fields from the static table or literal and not Huffman-coded (RFC 7541); responses are
 * read back as frames.
 */
final class RawHttp2 {

  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int GOAWAY = 7;
  static final int WINDOW_UPDATE = 8;
  static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;
  private static final int MAX_WINDOW = Integer.MAX_VALUE;

  private RawHttp2() {}

  /** One frame as read: its type, flags, stream and payload. */
  record Frame(int type, int flags, int stream, byte[] payload) {}

  /**
   * The connection preface and a SETTINGS frame with the largest initial stream window, then a
   * connection WINDOW_UPDATE to the largest window: the server may send as much as TCP takes.
   */
  static void openWithUnlimitedWindows(Socket socket) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    byte[] settings = {0, 4, 0, 0, 0, 0}; // SETTINGS_INITIAL_WINDOW_SIZE (0x4) ...
    putInt(settings, 2, MAX_WINDOW); // ... = 2^31 - 1
    frame(out, SETTINGS, 0, 0, settings);
    byte[] increment = new byte[4];
    putInt(increment, 0, MAX_WINDOW - 65_535); // the connection window starts at 65 535
    frame(out, WINDOW_UPDATE, 0, 0, increment);
  }

  /** A GET on {@code stream} (odd, rising) with the given header pairs after the pseudo-headers. */
  static void get(Socket socket, int stream, String authority, String path, String... headers)
      throws IOException {
    request(socket, 0x82, stream, authority, path, true, headers); // ":method: GET", entry 2
  }

  /**
   * A POST's HEADERS on {@code stream}, its body to follow in {@link #data} frames (the request
   * stays open until one of them ends it).
   */
  static void post(Socket socket, int stream, String authority, String path, String... headers)
      throws IOException {
    request(socket, 0x83, stream, authority, path, false, headers); // ":method: POST", entry 3
  }

  /** A DATA frame of {@code bytes} on {@code stream}; {@code last} ends the request. */
  static void data(Socket socket, int stream, byte[] bytes, boolean last) throws IOException {
    frame(socket.getOutputStream(), DATA, last ? END_STREAM : 0, stream, bytes);
  }

  private static void request(
      Socket socket,
      int method,
      int stream,
      String authority,
      String path,
      boolean ended,
      String... headers)
      throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.write(method);
    block.write(0x86); // ":scheme: http", entry 6
    block.write(0x01); // ":authority" (entry 1) with a literal value, not indexed
    string(block, authority.getBytes(StandardCharsets.US_ASCII));
    block.write(0x04); // ":path" (entry 4) with a literal value, not indexed
    string(block, path.getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < headers.length; i += 2) {
      literal(block, headers[i], headers[i + 1]);
    }
    frame(
        socket.getOutputStream(),
        HEADERS,
        (ended ? END_STREAM : 0) | END_HEADERS,
        stream,
        block.toByteArray());
  }

  /**
   * The DATA of {@code stream}, read until that stream ends (END_STREAM or RST_STREAM), the server
   * goes away, or the socket closes or times out; SETTINGS are acknowledged on the way.
   */
  static byte[] readStream(Socket socket, int stream) throws IOException {
    DataInputStream in = new DataInputStream(socket.getInputStream());
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    try {
      while (true) {
        Frame frame = read(in);
        if (frame.type() == SETTINGS && (frame.flags() & 0x1) == 0) {
          frame(socket.getOutputStream(), SETTINGS, 0x1, 0, new byte[0]); // ACK
        }
        if (frame.stream() == stream && frame.type() == DATA) {
          data.write(frame.payload()); // no padding: Tomcat and Grizzly do not pad
        }
        boolean ended =
            frame.stream() == stream
                && (frame.type() == RST_STREAM
                    || ((frame.type() == DATA || frame.type() == HEADERS)
                        && (frame.flags() & END_STREAM) != 0));
        if (ended || frame.type() == GOAWAY) {
          return data.toByteArray();
        }
      }
    } catch (SocketTimeoutException | SocketException | java.io.EOFException cut) {
      return data.toByteArray(); // what came before the cut is what the client had
    }
  }

  /**
   * Reads frames until the server sends GOAWAY, and returns its debug text; fails if the connection
   * ends, or stays silent past the socket's timeout, without one.
   */
  static String awaitGoAway(Socket socket) throws IOException {
    DataInputStream in = new DataInputStream(socket.getInputStream());
    while (true) {
      Frame frame = read(in);
      if (frame.type() == GOAWAY) {
        byte[] payload = frame.payload(); // last stream id, error code, then the debug text
        return new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8);
      }
    }
  }

  private static Frame read(DataInputStream in) throws IOException {
    byte[] head = new byte[9];
    in.readFully(head);
    int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
    int stream =
        ((head[5] & 0x7f) << 24)
            | ((head[6] & 0xff) << 16)
            | ((head[7] & 0xff) << 8)
            | (head[8] & 0xff);
    byte[] payload = new byte[length];
    in.readFully(payload);
    return new Frame(head[3] & 0xff, head[4] & 0xff, stream, payload);
  }

  /**
   * Writes one frame in one write, flushed: a reader thread may acknowledge SETTINGS on the same
   * socket while a test sends, and frames must not interleave.
   */
  private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload)
      throws IOException {
    byte[] frame = new byte[9 + payload.length];
    frame[0] = (byte) (payload.length >>> 16);
    frame[1] = (byte) (payload.length >>> 8);
    frame[2] = (byte) payload.length;
    frame[3] = (byte) type;
    frame[4] = (byte) flags;
    putInt(frame, 5, stream);
    System.arraycopy(payload, 0, frame, 9, payload.length);
    synchronized (out) {
      out.write(frame);
      out.flush();
    }
  }

  /**
   * HPACK "literal header field without indexing, new name" (RFC 7541, 6.2.2), no Huffman; a
   * pseudo-header's name must come from the static table instead (Tomcat refuses a literal ':').
   */
  private static void literal(ByteArrayOutputStream block, String name, String value) {
    block.write(0);
    string(block, name.getBytes(StandardCharsets.US_ASCII));
    string(block, value.getBytes(StandardCharsets.UTF_8));
  }

  private static void string(ByteArrayOutputStream block, byte[] bytes) {
    int length = bytes.length; // a 7-bit prefix integer (RFC 7541, 5.1), H bit 0
    if (length < 127) {
      block.write(length);
    } else {
      block.write(127);
      length -= 127;
      while (length >= 128) {
        block.write((length & 0x7f) | 0x80);
        length >>>= 7;
      }
      block.write(length);
    }
    block.writeBytes(bytes);
  }

  private static void putInt(byte[] bytes, int at, int value) {
    bytes[at] = (byte) (value >>> 24);
    bytes[at + 1] = (byte) (value >>> 16);
    bytes[at + 2] = (byte) (value >>> 8);
    bytes[at + 3] = (byte) value;
  }
}
