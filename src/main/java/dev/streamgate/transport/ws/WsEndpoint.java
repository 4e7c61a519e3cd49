package dev.streamgate.transport.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamgate.generation.GenerationRequests;
import dev.streamgate.runtime.Settings;
import dev.streamgate.security.Caller;
import dev.streamgate.security.Limits;
import dev.streamgate.security.TokenBucket;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.Streams;
import dev.streamgate.web.Cursors;
import dev.streamgate.web.Problem;
import dev.streamgate.web.ProblemException;
import dev.streamgate.web.Problems;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code /ws}: start, follow, resume and cancel generations, several on one socket. A bad message
 * gets an error frame and the socket stays open; an oversized one closes it with 1009.
 */
@ServerEndpoint(value = "/ws", configurator = CdiConfigurator.class)
public class WsEndpoint {

  private static final Logger LOG = Logger.getLogger(WsEndpoint.class.getName());

  @Inject Streams streams;
  @Inject Settings settings;
  @Inject Limits limits;

  private static final int PART_CHARS = 8192;
  private static final String CONTROL_TIMEOUT_PROPERTY =
      "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";
  private static final Long CONTROL_TIMEOUT_MILLIS = 100L;

  private WsConnection connection;
  private StringBuilder message = new StringBuilder(); // a text message's parts so far
  private Caller caller;
  private TokenBucket messages;
  private Runnable release = () -> {};

  @OnOpen
  public void open(Session session) throws IOException {
    // Tomcat gives every socket a message buffer of this size (in chars) on its first message: at
    // STREAMGATE_MAX_BODY (1 MB) that was 2 MB of heap per socket. Messages come in parts instead.
    session.setMaxTextMessageBufferSize(PART_CHARS);
    session.setMaxBinaryMessageBufferSize(1024);
    // Tomcat sends pings and close frames only blocking, for up to this long (20 s by default): on
    // a client that stopped reading that parks whichever thread sends them. Text frames are async.
    session.getUserProperties().put(CONTROL_TIMEOUT_PROPERTY, CONTROL_TIMEOUT_MILLIS);
    connection = new WsConnection(session);
    caller = (Caller) session.getUserProperties().get(CdiConfigurator.CALLER);
    if (caller == null) {
      session.close(new CloseReason(CloseReason.CloseCodes.VIOLATED_POLICY, "unauthorized"));
      return;
    }
    try {
      release = streams.slot(caller);
    } catch (ProblemException full) {
      session.close(new CloseReason(CloseReason.CloseCodes.TRY_AGAIN_LATER, full.problem().code()));
      return;
    }
    messages = limits.socketMessageRate();
  }

  /** A text message in parts; the whole may be up to STREAMGATE_MAX_BODY, else 1009. */
  @OnMessage
  public void text(String part, boolean last) {
    if (message.length() + part.length() > settings.maxBodyBytes()) {
      message = new StringBuilder();
      connection.close(CloseReason.CloseCodes.TOO_BIG, "message over the size limit");
      return;
    }
    if (last && message.length() == 0) {
      handle(part); // the usual case: a small message in one part
      return;
    }
    message.append(part);
    if (last) {
      String whole = message.toString();
      message = new StringBuilder();
      handle(whole);
    }
  }

  private void handle(String frame) {
    if (messages == null) {
      return; // refused at open; the close is on its way
    }
    String id = null;
    try {
      long wait = messages.take();
      if (wait > 0) {
        throw new ProblemException(
            Problem.of(
                429, "rate_limited", "Too many messages on this socket; wait " + wait + " s."),
            wait);
      }
      WsMessages.Command command = WsMessages.decode(frame);
      if (command instanceof WsMessages.Generate g) {
        var request = GenerationRequests.fromJson(g.request());
        roomForOneMore();
        TokenStream stream = streams.start(caller, request);
        id = stream.id();
        connection.send(WsMessages.started(id, g.ref()));
        follow(stream, 0);
      } else if (command instanceof WsMessages.Subscribe s) {
        id = s.id();
        TokenStream stream = streams.find(caller, id);
        long after = Cursors.parse(cursorText(s.after()), "after", stream);
        if (!connection.follows(id)) {
          roomForOneMore();
        }
        follow(stream, after);
      } else if (command instanceof WsMessages.Unsubscribe u) {
        id = u.id();
        connection.unfollow(id);
      } else if (command instanceof WsMessages.Cancel c) {
        id = c.id();
        streams.find(caller, id).cancel(); // our follower, if any, delivers the end
      }
    } catch (RuntimeException e) {
      Problem problem = Problems.of(e);
      connection.send(
          WsMessages.error(id, WsMessages.refOf(frame), problem.code(), problem.detail()));
    }
  }

  private void roomForOneMore() {
    if (connection.following() >= limits.socketStreams()) {
      throw new ProblemException(
          Problem.of(
              429,
              "too_many_streams",
              "This socket follows its maximum of "
                  + limits.socketStreams()
                  + " generations; open another socket."),
          1);
    }
  }

  private void follow(TokenStream stream, long after) {
    WsSink sink = new WsSink(connection, stream.id());
    connection.follow(stream.id(), sink);
    sink.attach(streams.follow(stream, after, sink, "websocket", false));
  }

  /** {@code after} as the text a query parameter would carry, so one parser checks both. */
  private static String cursorText(JsonNode after) {
    if (after == null || after.isNull()) {
      return null;
    }
    return after.isIntegralNumber() || after.isTextual() ? after.asText() : "not a number";
  }

  /** Taken in parts, so a binary message of any size is refused with one error, never buffered. */
  @OnMessage
  public void binary(ByteBuffer part, boolean last) {
    if (last) {
      connection.send(
          WsMessages.error(
              null,
              "unsupported_frame",
              "Binary frames are not part of this protocol; send JSON text frames."));
    }
  }

  @OnClose
  public void close(CloseReason reason) {
    connection.closed();
    release.run();
  }

  @OnError
  public void error(Throwable failure) {
    LOG.log(Level.FINE, "WebSocket failed; its followers stop", failure);
    if (connection != null) {
      connection.closed();
    }
  }
}
