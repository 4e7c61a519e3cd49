package dev.streamgate.transport.sse;

import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.web.Json;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/**
 * The SSE wire format of a generation, as JAX-RS events: {@code event}, {@code id}, one {@code
 * data} line. A {@code token} event's id is the last seq it carries, so a browser's {@code
 * Last-Event-ID} is exactly the cursor to resume from. Data is always one line of JSON (line breaks
 * in token text are escaped) and names and ids are ours, so no token can forge a field or an event.
 */
final class SseEvents {

  private final Sse sse;
  private final String id;
  private final long retryMillis;
  private boolean retrySent; // the writes to one client come one at a time

  SseEvents(Sse sse, String id, long retryMillis) {
    this.sse = sse;
    this.id = id;
    this.retryMillis = retryMillis;
  }

  /** A comment that commits the response at once, so the client sees its headers. */
  OutboundSseEvent hello() {
    return sse.newEventBuilder().comment("stream " + id).build();
  }

  /** A comment line: keeps proxies from closing an idle stream and finds clients that are gone. */
  OutboundSseEvent keepalive() {
    return sse.newEventBuilder().comment("keepalive").build();
  }

  /** One event for the slice's tokens: normally one token, several when the client fell behind. */
  OutboundSseEvent tokens(Slice slice) {
    return builder()
        .name("token")
        .id(Long.toString(slice.lastSeq()))
        .mediaType(MediaType.TEXT_PLAIN_TYPE)
        .data(String.class, tokenData(slice))
        .build();
  }

  OutboundSseEvent end(Terminal end) {
    return builder()
        .name(end.isError() ? "error" : "done")
        .mediaType(MediaType.TEXT_PLAIN_TYPE)
        .data(String.class, endData(end))
        .build();
  }

  /** The {@code retry:} hint rides on the first event, before any reconnect can happen. */
  private OutboundSseEvent.Builder builder() {
    OutboundSseEvent.Builder builder = sse.newEventBuilder();
    if (!retrySent) {
      retrySent = true;
      builder.reconnectDelay(retryMillis);
    }
    return builder;
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
      if (end.cancelledBy() != null) {
        Json.quote(json.append(",\"cancelled_by\":"), end.cancelledBy());
      }
    }
    return json.append('}').toString();
  }
}
