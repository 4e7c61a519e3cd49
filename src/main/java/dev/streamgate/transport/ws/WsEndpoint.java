package dev.streamgate.transport.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamgate.api.Cursors;
import dev.streamgate.api.Problem;
import dev.streamgate.api.Problems;
import dev.streamgate.generation.GenerationRequests;
import dev.streamgate.generation.GenerationService;
import dev.streamgate.runtime.Settings;
import dev.streamgate.stream.Followers;
import dev.streamgate.stream.StreamRegistry;
import dev.streamgate.stream.TokenStream;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
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

  @Inject GenerationService generations;
  @Inject StreamRegistry registry;
  @Inject Followers followers;
  @Inject Settings settings;

  private WsConnection connection;

  @OnOpen
  public void open(Session session) {
    session.setMaxTextMessageBufferSize(settings.maxBodyBytes());
    session.setMaxBinaryMessageBufferSize(1024);
    connection = new WsConnection(session);
  }

  @OnMessage
  public void text(String frame) {
    String id = null;
    try {
      WsMessages.Command command = WsMessages.decode(frame);
      if (command instanceof WsMessages.Generate g) {
        TokenStream stream = generations.start(GenerationRequests.fromJson(g.request()));
        id = stream.id();
        connection.send(WsMessages.started(id, g.ref()));
        follow(stream, 0);
      } else if (command instanceof WsMessages.Subscribe s) {
        id = s.id();
        TokenStream stream = registry.find(id);
        follow(stream, Cursors.parse(cursorText(s.after()), "after", stream));
      } else if (command instanceof WsMessages.Cancel c) {
        id = c.id();
        registry.find(id).cancel(); // our follower, if any, delivers the end
      }
    } catch (RuntimeException e) {
      Problem problem = Problems.of(e);
      connection.send(
          WsMessages.error(id, WsMessages.refOf(frame), problem.code(), problem.detail()));
    }
  }

  private void follow(TokenStream stream, long after) {
    WsSink sink = new WsSink(connection, stream.id());
    connection.follow(stream.id(), sink);
    sink.attach(followers.follow(stream, after, sink));
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
  }

  @OnError
  public void error(Throwable failure) {
    LOG.log(Level.FINE, "WebSocket failed; its followers stop", failure);
    if (connection != null) {
      connection.closed();
    }
  }
}
