package dev.streamgate.transport.ws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.web.Json;
import dev.streamgate.web.JsonBodies;
import dev.streamgate.web.ProblemException;
import java.nio.charset.StandardCharsets;

/**
 * The WebSocket protocol, both directions, as JSON text frames.
 *
 * <p>Client: {@code {"type":"generate","request":{...},"ref":"..."}}, {@code
 * {"type":"subscribe","id":"...","after":n}}, {@code {"type":"unsubscribe","id":"..."}}, {@code
 * {"type":"cancel","id":"..."}}.
 *
 * <p>Server: {@code started}, {@code token} (several tokens at once when the client fell behind,
 * with {@code first_seq}), {@code done}, and {@code error} with a code and message.
 */
final class WsMessages {

  private WsMessages() {}

  /** A client message, checked for shape; the generation request itself is parsed later. */
  sealed interface Command permits Generate, Subscribe, Unsubscribe, Cancel {}

  record Generate(JsonNode request, String ref) implements Command {}

  record Subscribe(String id, JsonNode after) implements Command {}

  /** Stop following a generation on this socket; it keeps running. */
  record Unsubscribe(String id) implements Command {}

  record Cancel(String id) implements Command {}

  static Command decode(String frame) {
    JsonNode message = JsonBodies.parse(frame.getBytes(StandardCharsets.UTF_8));
    if (!message.isObject()) {
      throw bad("A message must be a JSON object with a type.");
    }
    String type = message.path("type").asText("");
    return switch (type) {
      case "generate" -> new Generate(message.get("request"), optionalText(message, "ref"));
      case "subscribe" -> new Subscribe(id(message), message.get("after"));
      case "unsubscribe" -> new Unsubscribe(id(message));
      case "cancel" -> new Cancel(id(message));
      default -> throw bad("type must be generate, subscribe, unsubscribe or cancel.");
    };
  }

  /** The ref a generate message carried, so an error can say which request failed. */
  static String refOf(String frame) {
    try {
      return decode(frame) instanceof Generate g ? g.ref() : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String id(JsonNode message) {
    JsonNode id = message.get("id");
    if (id == null || !id.isTextual() || id.asText().isEmpty()) {
      throw bad("id must be the generation's id, a string.");
    }
    return id.asText();
  }

  private static String optionalText(JsonNode message, String field) {
    JsonNode value = message.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual() || value.asText().length() > 128) {
      throw bad(field + " must be a string of at most 128 characters.");
    }
    return value.asText();
  }

  private static ProblemException bad(String detail) {
    return new ProblemException(400, "invalid_message", detail);
  }

  static String started(String id, String ref) {
    StringBuilder json = new StringBuilder(64);
    Json.quote(json.append("{\"type\":\"started\",\"id\":"), id);
    if (ref != null) {
      Json.quote(json.append(",\"ref\":"), ref);
    }
    return json.append('}').toString();
  }

  static String tokens(String id, Slice slice) {
    StringBuilder json = new StringBuilder(96 + slice.texts().size() * 8); // ~75 for one token
    Json.quote(json.append("{\"type\":\"token\",\"id\":"), id);
    json.append(",\"seq\":").append(slice.lastSeq());
    if (slice.texts().size() > 1) {
      json.append(",\"first_seq\":").append(slice.firstSeq());
    }
    Json.quote(json.append(",\"text\":"), slice.text());
    return json.append('}').toString();
  }

  static String end(String id, Terminal end) {
    if (end.isError()) {
      return error(id, end.errorCode(), end.errorMessage());
    }
    StringBuilder json = new StringBuilder(80);
    Json.quote(json.append("{\"type\":\"done\",\"id\":"), id);
    Json.quote(json.append(",\"finish_reason\":"), end.reason().wire());
    json.append(",\"tokens\":").append(end.tokens());
    if (end.cancelledBy() != null) {
      Json.quote(json.append(",\"cancelled_by\":"), end.cancelledBy());
    }
    return json.append('}').toString();
  }

  /** An error frame; {@code id} is the generation concerned, or null. */
  static String error(String id, String code, String message) {
    StringBuilder json = new StringBuilder(96);
    json.append("{\"type\":\"error\",\"id\":");
    if (id == null) {
      json.append("null");
    } else {
      Json.quote(json, id);
    }
    Json.quote(json.append(",\"code\":"), code);
    Json.quote(json.append(",\"message\":"), message);
    return json.append('}').toString();
  }

  /** An error frame for a refused request, echoing the client's ref when it sent one. */
  static String error(String id, String ref, String code, String message) {
    String frame = error(id, code, message);
    if (ref == null) {
      return frame;
    }
    StringBuilder json = new StringBuilder(frame.length() + ref.length() + 10);
    json.append(frame, 0, frame.length() - 1);
    return Json.quote(json.append(",\"ref\":"), ref).append('}').toString();
  }
}
