package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;

/**
 * A Server-Sent Events client on {@code java.net.http}: streams the body line by line (no thread
 * held), parses the SSE fields itself, and reassembles {@code token} events into a {@link
 * Transcript} until the terminal {@code done} or {@code error} event.
 */
final class SseReader implements Flow.Subscriber<String> {

  /** One dispatched event; {@code retry} is the raw field, or null. */
  record Event(String id, String type, String data, String retry) {
    JsonNode json() {
      return Gateway.json(data);
    }
  }

  private final CompletableFuture<HttpResponse.ResponseInfo> opened = new CompletableFuture<>();
  private final CompletableFuture<Event> end = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final Transcript transcript;
  private volatile Flow.Subscription subscription;
  private volatile boolean dropped; // lines already on their way are not "received" any more

  // Parser state; a Flow subscriber's calls never overlap.
  private String lastEventId;
  private String type;
  private String retry;
  private StringBuilder data;

  private SseReader(long after) {
    this.transcript = new Transcript(after);
  }

  /** Opens {@code /api/generations/{id}/events} with the query; a reader resuming after 0. */
  static SseReader open(Gateway gateway, String id) {
    return open(gateway, id, "", 0);
  }

  /**
   * Opens the event stream with {@code query} (e.g. {@code after=5}) and header pairs; {@code
   * after} is the seq the client expects the stream to resume after.
   */
  static SseReader open(Gateway gateway, String id, String query, long after, String... headers) {
    SseReader reader = new SseReader(after);
    HttpRequest.Builder request =
        gateway
            .request("api/generations/" + id + "/events" + (query.isEmpty() ? "" : "?" + query))
            .timeout(Gateway.TIMEOUT.multipliedBy(2))
            .header("Accept", "text/event-stream");
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    gateway
        .client()
        .sendAsync(request.build(), reader::bodyHandler)
        .whenComplete(
            (response, failure) -> {
              if (failure != null) {
                reader.opened.completeExceptionally(failure);
                reader.end.completeExceptionally(failure);
              }
            });
    return reader;
  }

  private HttpResponse.BodySubscriber<Void> bodyHandler(HttpResponse.ResponseInfo info) {
    opened.complete(info);
    if (info.statusCode() != 200) {
      end.completeExceptionally(new AssertionError("event stream answered " + info.statusCode()));
      return HttpResponse.BodySubscribers.discarding();
    }
    return HttpResponse.BodySubscribers.fromLineSubscriber(
        this, reader -> null, StandardCharsets.UTF_8, null);
  }

  // ---- what the test asks -------------------------------------------------------------------

  /** Status and headers, once they arrived. */
  HttpResponse.ResponseInfo response() {
    return Gateway.await(opened);
  }

  /** The terminal event ({@code done} or {@code error}), once the stream ends. */
  Event awaitEnd() {
    Event last = Gateway.await(end);
    Gateway.await(closed());
    return last;
  }

  /** Completes with the terminal event, or fails if the stream broke off before it. */
  CompletableFuture<Event> ending() {
    return end;
  }

  /** Waits until the reader has every token up to {@code seq}. */
  SseReader awaitCursor(long seq) {
    Gateway.await("SSE cursor " + seq + " (" + transcript + ")", () -> transcript.cursor() >= seq);
    return this;
  }

  /** Drops the connection, like a client whose network went away. */
  void drop() {
    Gateway.await(opened);
    Gateway.await("SSE subscription", () -> subscription != null);
    dropped = true;
    subscription.cancel();
  }

  Transcript transcript() {
    return transcript;
  }

  List<String> lines() {
    return lines;
  }

  List<Event> events() {
    return events;
  }

  /** Asserts the stream ended with {@code event: done} and this finish reason. */
  JsonNode assertDone(String finishReason) {
    Event last = awaitEnd();
    assertEquals("done", last.type(), last.toString());
    assertEquals(finishReason, last.json().get("finish_reason").asText(), last.toString());
    return last.json();
  }

  CompletableFuture<Void> closed() {
    return closed;
  }

  // ---- the SSE parser (https://html.spec.whatwg.org/multipage/server-sent-events.html) ------

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(String line) {
    if (dropped) {
      return;
    }
    lines.add(line);
    if (line.isEmpty()) {
      dispatch();
      return;
    }
    if (line.startsWith(":")) {
      return; // a comment: keepalive or the stream's greeting
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "id" -> lastEventId = value;
      case "event" -> type = value;
      case "retry" -> retry = value;
      case "data" -> data = (data == null ? new StringBuilder() : data.append('\n')).append(value);
      default -> {} // unknown fields are ignored, as the spec says
    }
  }

  private void dispatch() {
    if (data == null) {
      type = null;
      return;
    }
    Event event = new Event(lastEventId, type == null ? "message" : type, data.toString(), retry);
    type = null;
    retry = null;
    data = null;
    events.add(event);
    switch (event.type()) {
      case "token" -> {
        JsonNode token = event.json();
        long seq = token.get("seq").asLong();
        transcript.append(token.path("first_seq").asLong(seq), seq, token.get("text").asText());
      }
      case "done", "error" -> end.complete(event);
      default -> end.completeExceptionally(new AssertionError("unexpected event " + event));
    }
  }

  @Override
  public void onError(Throwable failure) {
    end.completeExceptionally(failure);
    closed.completeExceptionally(failure);
  }

  @Override
  public void onComplete() {
    end.completeExceptionally(new AssertionError("stream closed before done/error: " + events));
    closed.complete(null);
  }
}
