package dev.streamgate.transport.ws;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client socket: the generations it follows, and the one writer it has. Tomcat refuses a send
 * while another is in flight on the same session, so frames wait their turn here; the queue stays
 * short because each follower has at most one frame in it.
 */
final class WsConnection {

  private static final Logger LOG = Logger.getLogger(WsConnection.class.getName());
  private static final ByteBuffer PING = ByteBuffer.allocate(0);

  private final Session session;
  private final Map<String, WsSink> following = new ConcurrentHashMap<>();
  private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
  private boolean sending; // guarded by queue

  private record Outgoing(String text, Consumer<Throwable> sent) {}

  WsConnection(Session session) {
    this.session = session;
  }

  /** Sends a text frame after those before it; {@code sent} hears null or the failure. */
  void send(String text, Consumer<Throwable> sent) {
    Outgoing frame = new Outgoing(text, sent);
    synchronized (queue) {
      if (sending) {
        queue.add(frame);
        return;
      }
      sending = true;
    }
    transmit(frame); // never under the lock: the completion may run on this thread
  }

  void send(String text) {
    send(text, failure -> {});
  }

  private void transmit(Outgoing frame) {
    try {
      if (frame.text() == null) {
        session.getAsyncRemote().sendPing(PING.duplicate());
        finished(frame, null);
      } else {
        session
            .getAsyncRemote()
            .sendText(
                frame.text(),
                result -> finished(frame, result.isOK() ? null : result.getException()));
      }
    } catch (IOException | RuntimeException e) {
      finished(frame, e);
    }
  }

  private void finished(Outgoing frame, Throwable failure) {
    frame.sent().accept(failure);
    Outgoing next;
    synchronized (queue) {
      next = queue.poll();
      if (next == null) {
        sending = false;
        return;
      }
    }
    transmit(next);
  }

  /** A WebSocket ping, in turn with the text frames, to keep idle proxies from closing us. */
  void ping(Consumer<Throwable> sent) {
    send(null, sent);
  }

  /** Registers the sink following {@code id}, stopping an earlier follower of the same id. */
  void follow(String id, WsSink sink) {
    WsSink previous = following.put(id, sink);
    if (previous != null) {
      previous.stop();
    }
  }

  /** Stops following {@code id} on this socket, if it was. */
  void unfollow(String id) {
    WsSink sink = following.get(id);
    if (sink != null) {
      sink.stop();
    }
  }

  boolean follows(String id) {
    return following.containsKey(id);
  }

  /** How many generations this socket follows now. */
  int following() {
    return following.size();
  }

  void forget(String id, WsSink sink) {
    following.remove(id, sink);
  }

  /** The client went away: stop every follower (their cursors live on in the client). */
  void closed() {
    following.values().forEach(WsSink::stop);
  }

  /** Drops the socket: the client is too slow to keep up. */
  void drop(String reason) {
    close(CloseReason.CloseCodes.VIOLATED_POLICY, reason);
  }

  /** Closes the socket with {@code code}; the client's cursors stay valid for a resume. */
  void close(CloseReason.CloseCode code, String reason) {
    try {
      session.close(new CloseReason(code, reason));
    } catch (IOException e) {
      LOG.log(Level.FINE, "closing a socket failed", e);
    }
  }
}
