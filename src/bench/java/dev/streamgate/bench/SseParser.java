package dev.streamgate.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Server-Sent Events from body bytes (the WHATWG event-stream rules the clients use): fields per
 * line, an event on each blank line, comments ignored.
 */
final class SseParser {

  interface Listener {
    void event(String name, String id, String data);
  }

  private final Listener listener;
  private byte[] line = new byte[256];
  private int length;
  private String name;
  private String id;
  private final StringBuilder data = new StringBuilder(128);
  private boolean hasData;

  SseParser(Listener listener) {
    this.listener = listener;
  }

  void feed(ByteBuffer in, int count) {
    int end = in.position() + count;
    for (int i = in.position(); i < end; i++) {
      byte b = in.get(i);
      if (b == '\n') {
        int n = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        line(n);
        length = 0;
      } else {
        if (length == line.length) {
          line = java.util.Arrays.copyOf(line, length * 2);
        }
        line[length++] = b;
      }
    }
  }

  private void line(int n) {
    if (n == 0) {
      if (hasData) {
        listener.event(name == null ? "message" : name, id, data.toString());
      }
      name = null;
      data.setLength(0);
      hasData = false;
      return;
    }
    if (line[0] == ':') {
      return; // comment: keepalive or hello
    }
    int colon = 0;
    while (colon < n && line[colon] != ':') {
      colon++;
    }
    String field = new String(line, 0, colon, StandardCharsets.US_ASCII);
    int from = colon < n && colon + 1 < n && line[colon + 1] == ' ' ? colon + 2 : colon + 1;
    String value = from >= n ? "" : new String(line, from, n - from, StandardCharsets.UTF_8);
    switch (field) {
      case "data" -> {
        if (hasData) {
          data.append('\n');
        }
        data.append(value);
        hasData = true;
      }
      case "event" -> name = value;
      case "id" -> id = value;
      default -> {
        // retry and unknown fields do not matter here
      }
    }
  }
}
