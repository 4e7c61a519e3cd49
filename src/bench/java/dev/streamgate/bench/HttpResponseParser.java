package dev.streamgate.bench;

import java.nio.ByteBuffer;

/**
 * An incremental HTTP/1.1 response parser: status line and headers, then a body framed by
 * Content-Length or chunked encoding, handed on as it arrives. A 101 response ends at its headers
 * (what follows is WebSocket). Fed from a socket's bytes; tested from strings.
 */
final class HttpResponseParser {

  interface Listener {
    void body(ByteBuffer bytes, int length); // {@code length} bytes from bytes' position

    void complete(int status);
  }

  private enum State {
    HEAD,
    FIXED,
    CHUNK_SIZE,
    CHUNK_DATA,
    CHUNK_END,
    TRAILER,
    UNTIL_CLOSE
  }

  private final Listener listener;
  private final StringBuilder line = new StringBuilder(128);
  private State state = State.HEAD;
  private int status;
  private long remaining;
  private long contentLength;
  private boolean chunked;
  private boolean closeAfter;
  private boolean statusSeen;
  private boolean lineDone; // the last readLine() completed a line: the next one starts afresh

  HttpResponseParser(Listener listener) {
    this.listener = listener;
  }

  int status() {
    return status;
  }

  /** True if the server said it will close the connection after this response. */
  boolean closeAfter() {
    return closeAfter;
  }

  /**
   * Consumes bytes up to the end of one response at most; returns true if a response completed
   * (the parser is then ready for the next one and the buffer holds what came after it).
   */
  boolean feed(ByteBuffer in) {
    while (in.hasRemaining()) {
      switch (state) {
        case HEAD -> {
          if (readLine(in)) {
            if (head(line.toString())) {
              return true;
            }
          }
        }
        case FIXED, CHUNK_DATA, UNTIL_CLOSE -> {
          int n = (int) Math.min(in.remaining(), state == State.UNTIL_CLOSE ? Long.MAX_VALUE : remaining);
          int end = in.position() + n;
          listener.body(in, n);
          in.position(end);
          remaining -= n;
          if (remaining == 0 && state == State.FIXED) {
            return finish();
          }
          if (remaining == 0 && state == State.CHUNK_DATA) {
            state = State.CHUNK_END;
          }
        }
        case CHUNK_SIZE -> {
          if (readLine(in)) {
            String size = line.toString();
            int semi = size.indexOf(';');
            remaining = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            state = remaining == 0 ? State.TRAILER : State.CHUNK_DATA;
          }
        }
        case CHUNK_END -> {
          if (readLine(in)) {
            state = State.CHUNK_SIZE;
          }
        }
        case TRAILER -> {
          if (readLine(in) && line.length() == 0) {
            return finish();
          }
        }
      }
    }
    return false;
  }

  /** The connection closed: completes a response delimited by the close, else false. */
  boolean closed() {
    return state == State.UNTIL_CLOSE && finish();
  }

  private boolean head(String text) {
    if (!statusSeen) {
      statusSeen = true;
      status = Integer.parseInt(text.substring(9, 12));
      contentLength = -1;
      chunked = false;
      closeAfter = false;
      return false;
    }
    if (!text.isEmpty()) {
      int colon = text.indexOf(':');
      String name = text.substring(0, colon).trim();
      String value = text.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("content-length")) {
        contentLength = Long.parseLong(value);
      } else if (name.equalsIgnoreCase("transfer-encoding")) {
        chunked = value.equalsIgnoreCase("chunked");
      } else if (name.equalsIgnoreCase("connection")) {
        closeAfter = value.equalsIgnoreCase("close");
      }
      return false;
    }
    if (status == 101 || status == 204 || status == 304 || contentLength == 0) {
      return finish();
    }
    if (chunked) {
      state = State.CHUNK_SIZE;
    } else if (contentLength > 0) {
      state = State.FIXED;
      remaining = contentLength;
    } else {
      state = State.UNTIL_CLOSE;
    }
    return false;
  }

  private boolean finish() {
    state = State.HEAD;
    statusSeen = false;
    listener.complete(status);
    return true;
  }

  /** Reads up to a LF; true with the line (without CR LF) in {@code line}. */
  private boolean readLine(ByteBuffer in) {
    if (lineDone) {
      line.setLength(0);
      lineDone = false;
    }
    while (in.hasRemaining()) {
      byte b = in.get();
      if (b == '\n') {
        int last = line.length() - 1;
        if (last >= 0 && line.charAt(last) == '\r') {
          line.setLength(last);
        }
        lineDone = true;
        return true;
      }
      line.append((char) (b & 0xff)); // headers and chunk sizes are ASCII
    }
    return false;
  }

}
