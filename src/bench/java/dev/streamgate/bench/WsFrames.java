package dev.streamgate.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The least of RFC 6455 a client needs: masked frames out (section 5.3), unmasked server frames in,
 * text messages reassembled across continuation frames, pings answered.
 */
final class WsFrames {

  static final int TEXT = 1;
  static final int CLOSE = 8;
  static final int PING = 9;
  static final int PONG = 10;

  interface Listener {
    void text(String message);

    void control(int opcode, byte[] payload);
  }

  private final Listener listener;
  private final byte[] head = new byte[10];
  private int headLength;
  private int opcode;
  private int messageOpcode;
  private boolean fin;
  private long payloadLength = -1;
  private byte[] payload = new byte[512];
  private int payloadFill;
  private byte[] message = new byte[512];
  private int messageFill;

  WsFrames(Listener listener) {
    this.listener = listener;
  }

  /** A masked client frame. */
  static ByteBuffer frame(int opcode, byte[] data) {
    int n = data.length;
    int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
    ByteBuffer out = ByteBuffer.allocate(header + 4 + n);
    out.put((byte) (0x80 | opcode));
    if (n < 126) {
      out.put((byte) (0x80 | n));
    } else if (n < 65536) {
      out.put((byte) (0x80 | 126)).putShort((short) n);
    } else {
      out.put((byte) (0x80 | 127)).putLong(n);
    }
    int mask = ThreadLocalRandom.current().nextInt();
    out.putInt(mask);
    for (int i = 0; i < n; i++) {
      out.put((byte) (data[i] ^ (mask >>> (24 - 8 * (i & 3)))));
    }
    return out.flip();
  }

  static ByteBuffer text(String text) {
    return frame(TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  void feed(ByteBuffer in) {
    while (in.hasRemaining()) {
      if (payloadLength < 0) {
        head[headLength++] = in.get();
        int need = 2;
        if (headLength >= 2) {
          int len = head[1] & 0x7f;
          need = len == 126 ? 4 : len == 127 ? 10 : 2;
        }
        if (headLength == need) {
          fin = (head[0] & 0x80) != 0;
          opcode = head[0] & 0x0f;
          int len = head[1] & 0x7f;
          payloadLength =
              len == 126
                  ? ((head[2] & 0xff) << 8) | (head[3] & 0xff)
                  : len == 127 ? ByteBuffer.wrap(head, 2, 8).getLong() : len;
          if (payload.length < payloadLength) {
            payload = new byte[(int) payloadLength];
          }
          payloadFill = 0;
          if (payloadLength == 0) {
            frameDone();
          }
        }
      } else {
        int n = (int) Math.min(in.remaining(), payloadLength - payloadFill);
        in.get(payload, payloadFill, n);
        payloadFill += n;
        if (payloadFill == payloadLength) {
          frameDone();
        }
      }
    }
  }

  private void frameDone() {
    int n = (int) payloadLength;
    headLength = 0;
    payloadLength = -1;
    if (opcode >= 8) {
      listener.control(opcode, Arrays.copyOf(payload, n));
      return;
    }
    if (opcode != 0) {
      messageOpcode = opcode;
      messageFill = 0;
    }
    if (messageFill + n > message.length) {
      message = Arrays.copyOf(message, Math.max(message.length * 2, messageFill + n));
    }
    System.arraycopy(payload, 0, message, messageFill, n);
    messageFill += n;
    if (fin && messageOpcode == TEXT) {
      listener.text(new String(message, 0, messageFill, StandardCharsets.UTF_8));
    }
  }
}
