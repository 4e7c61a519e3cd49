package dev.streamgate.transport.sse;

import dev.streamgate.api.Json;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;

/**
 * The SSE wire format of a generation, written as text: {@code event}, {@code id}, one {@code data}
 * line. A {@code token} event's id is the last seq it carries, so a browser's {@code Last-Event-ID}
 * is exactly the cursor to resume from. Data is always one line of JSON (line breaks in token text
 * are escaped) and names and ids are ours, so no token can forge a field or an event.
 */
final class SseEvents {

  private final String id;
  private final long retryMillis;
  private boolean retrySent; // the writes to one client come one at a time

  SseEvents(String id, long retryMillis) {
    this.id = id;
    this.retryMillis = retryMillis;
  }

  /** A comment that commits the response at once, so the client sees its headers. */
  String hello() {
    return ": stream " + id + "\n\n";
  }

  /** One event for the slice's tokens: normally one token, several when the client fell behind. */
  StringBuilder tokens(StringBuilder out, Slice slice) {
    out.append("event: token\nid: ").append(slice.lastSeq()).append('\n');
    return data(retry(out), tokenData(slice));
  }

  StringBuilder end(StringBuilder out, Terminal end) {
    out.append(end.isError() ? "event: error\n" : "event: done\n");
    return data(retry(out), endData(end));
  }

  /** The {@code retry:} hint rides on the first event, before any reconnect can happen. */
  private StringBuilder retry(StringBuilder out) {
    if (!retrySent) {
      retrySent = true;
      out.append("retry: ").append(retryMillis).append('\n');
    }
    return out;
  }

  private static StringBuilder data(StringBuilder out, String json) {
    return out.append("data: ").append(json).append("\n\n");
  }

  /** {@code {"seq":n,"text":"..."}}, with {@code first_seq} when the event carries several. */
  static String tokenData(Slice slice) {
    StringBuilder json = new StringBuilder(32 + slice.texts().size() * 8);
    json.append("{\"seq\":").append(slice.lastSeq());
    if (slice.texts().size() > 1) {
      json.append(",\"first_seq\":").append(slice.firstSeq());
    }
    Json.quote(json.append(",\"text\":"), slice.text());
    return json.append('}').toString();
  }

  /** {@code {"finish_reason":"stop","tokens":N}} or {@code {"code":"...","message":"..."}}. */
  static String endData(Terminal end) {
    StringBuilder json = new StringBuilder(64);
    if (end.isError()) {
      Json.quote(json.append("{\"code\":"), end.errorCode());
      Json.quote(json.append(",\"message\":"), end.errorMessage());
      json.append(",\"tokens\":").append(end.tokens());
    } else {
      Json.quote(json.append("{\"finish_reason\":"), end.reason().wire());
      json.append(",\"tokens\":").append(end.tokens());
    }
    return json.append('}').toString();
  }
}
