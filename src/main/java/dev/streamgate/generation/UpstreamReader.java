package dev.streamgate.generation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.stream.Usage;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads one upstream SSE response line by line into a stream, as the SSE spec (WHATWG HTML,
 * "Interpreting an event stream") has it: {@code data:} lines join with newlines into one event,
 * dispatched at a blank line; comments, {@code id:} and {@code retry:} are ignored; an {@code
 * event: error} is the upstream failing. Every way it can go wrong (refused, an error status, a
 * cut, a stall, a chunk that is not JSON) ends the stream with an error after the tokens already
 * received; a cancel closes the connection.
 */
final class UpstreamReader implements Flow.Subscriber<String> {

  private static final int MAX_ERROR_BODY = 16 * 1024;
  private static final int MAX_EVENT = 1024 * 1024; // one chunk's JSON; no upstream sends more

  private final String model;
  private final TokenStream stream;
  private final ScheduledExecutorService timers;
  private final long idleNanos;
  private final StringBuilder errorBody = new StringBuilder();
  private volatile int status;
  private volatile Flow.Subscription subscription;
  private volatile CompletableFuture<?> exchange;
  private volatile ScheduledFuture<?> watchdog;
  private volatile boolean stopped;
  private volatile long lastDataNanos = System.nanoTime();
  private FinishReason finish; // upstream calls come one at a time
  private boolean sawDone;
  private final StringBuilder eventData = new StringBuilder(); // the event being read
  private boolean eventHasData;
  private String eventName = "";

  UpstreamReader(String model, TokenStream stream, ScheduledExecutorService timers, Duration idle) {
    this.model = model;
    this.stream = stream;
    this.timers = timers;
    this.idleNanos = idle.toNanos();
  }

  Flow.Subscriber<String> forStatus(int statusCode) {
    this.status = statusCode;
    return this;
  }

  void started(CompletableFuture<? extends HttpResponse<?>> call) {
    exchange = call;
    long period =
        Math.max(
            TimeUnit.MILLISECONDS.toNanos(50),
            Math.min(idleNanos / 10, TimeUnit.SECONDS.toNanos(1)));
    watchdog = timers.scheduleWithFixedDelay(this::checkIdle, period, period, TimeUnit.NANOSECONDS);
    call.whenComplete(
        (response, failure) -> {
          if (failure != null) {
            broke(failure);
          }
        });
    if (stopped) {
      stop();
    }
  }

  /** The stream was cancelled: drop the connection so the upstream stops generating. */
  void cancel() {
    stop();
  }

  private void stop() {
    stopped = true;
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    CompletableFuture<?> call = exchange;
    if (call != null) {
      call.cancel(true);
    }
    ScheduledFuture<?> dog = watchdog;
    if (dog != null) {
      dog.cancel(false);
    }
  }

  private void fail(String code, String message) {
    io.micrometer.core.instrument.Metrics.counter(
            "streamgate.upstream.failures", "model", model, "code", code)
        .increment();
    stream.fail(code, message);
    stop();
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (stopped) {
      s.cancel();
    } else {
      s.request(Long.MAX_VALUE); // the token log is the buffer; max_tokens bounds it
    }
  }

  @Override
  public void onNext(String line) {
    lastDataNanos = System.nanoTime();
    if (stopped) {
      return; // ended here (cancelled or failed): what is still in flight is not read
    }
    if (status / 100 != 2) {
      if (errorBody.length() < MAX_ERROR_BODY) {
        errorBody.append(line).append('\n');
      }
      return;
    }
    if (line.isEmpty()) {
      dispatch();
      return;
    }
    if (line.startsWith(":")) {
      return; // a comment: keepalives
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    value = value.startsWith(" ") ? value.substring(1) : value;
    if (field.equals("data")) {
      if (eventHasData) {
        eventData.append('\n');
      }
      eventData.append(value);
      eventHasData = true;
      if (eventData.length() > MAX_EVENT) {
        fail(
            "upstream_malformed",
            "The upstream for model '" + model + "' sent an event larger than 1 MiB.");
      }
    } else if (field.equals("event")) {
      eventName = value;
    } // id and retry mean nothing to a gateway that never reconnects to its upstream
  }

  /** The event read so far is complete (a blank line, or the end of the response). */
  private void dispatch() {
    String name = eventName;
    eventName = "";
    if (!eventHasData || stopped) {
      return;
    }
    String data = eventData.toString().strip();
    eventData.setLength(0);
    eventHasData = false;
    if (name.equals("error")) {
      String message = data;
      try {
        JsonNode json = OpenAiGenerator.parse(data);
        message = json.path("error").path("message").asText(json.path("message").asText(data));
      } catch (JsonProcessingException notJson) {
        // a plain-text error: its text is the message
      }
      fail(
          "upstream_error",
          "The upstream for model '" + model + "' failed mid-stream: " + clip(message));
      return;
    }
    if (!name.isEmpty() && !name.equals("message")) {
      return; // an event type OpenAI's stream does not have: not ours to read
    }
    if (data.equals("[DONE]")) {
      sawDone = true;
      return;
    }
    JsonNode chunk;
    try {
      chunk = OpenAiGenerator.parse(data);
    } catch (JsonProcessingException e) {
      fail(
          "upstream_malformed",
          "The upstream for model '"
              + model
              + "' sent a chunk that is not JSON after "
              + stream.lastSeq()
              + " tokens.");
      return;
    }
    JsonNode error = chunk.get("error");
    if (error != null && !error.isNull()) {
      fail(
          "upstream_error",
          "The upstream for model '"
              + model
              + "' failed mid-stream: "
              + clip(error.path("message").asText(error.toString())));
      return;
    }
    JsonNode usage = chunk.get("usage");
    if (usage != null && usage.isObject()) {
      stream.reportUsage(
          new Usage(
              usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong()));
    }
    JsonNode choice = chunk.path("choices").path(0);
    JsonNode content = choice.path("delta").path("content");
    if (content.isTextual()
        && !content.asText().isEmpty()
        && stream.append(content.asText()) == 0) {
      stop(); // ended here already (cancelled)
      return;
    }
    JsonNode reason = choice.path("finish_reason");
    if (reason.isTextual()) {
      finish = "length".equals(reason.asText()) ? FinishReason.LENGTH : FinishReason.STOP;
    }
  }

  @Override
  public void onError(Throwable failure) {
    broke(failure);
  }

  @Override
  public void onComplete() {
    if (status / 100 == 2) {
      dispatch(); // an upstream whose last event lacks its blank line: still read it
    }
    if (stopped) {
      return;
    }
    if (status / 100 != 2) {
      failStatus();
    } else if (sawDone || finish != null) {
      stream.finish(finish == null ? FinishReason.STOP : finish);
      stop();
    } else {
      fail(
          "upstream_disconnected",
          "The upstream for model '"
              + model
              + "' ended its stream without finishing, after "
              + stream.lastSeq()
              + " tokens.");
    }
  }

  private void broke(Throwable failure) {
    if (stopped || stream.isEnded()) {
      stop();
      return;
    }
    Throwable cause =
        failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof ConnectException) {
      fail(
          "upstream_unavailable", "The upstream for model '" + model + "' refused the connection.");
    } else if (stream.lastSeq() == 0 && !(cause instanceof java.io.IOException)) {
      fail("upstream_unavailable", "The upstream for model '" + model + "' could not be reached.");
    } else {
      fail(
          "upstream_disconnected",
          "The connection to the upstream for model '"
              + model
              + "' broke after "
              + stream.lastSeq()
              + " tokens.");
    }
  }

  private void failStatus() {
    String message = errorBody.toString().strip();
    try {
      JsonNode envelope = OpenAiGenerator.parse(message);
      message =
          envelope.path("error").path("message").asText(envelope.path("message").asText(message));
    } catch (JsonProcessingException notJson) {
      // keep the body's own text
    }
    String code =
        switch (status) {
          case 401, 403 -> "upstream_auth";
          case 404 -> "upstream_not_found";
          case 429 -> "upstream_rate_limited";
          default -> "upstream_error";
        };
    fail(
        code,
        "The upstream for model '"
            + model
            + "' answered "
            + status
            + (message.isEmpty() ? "." : ": " + clip(message)));
  }

  private void checkIdle() {
    if (!stream.isEnded() && System.nanoTime() - lastDataNanos > idleNanos) {
      fail(
          "upstream_timeout",
          "The upstream for model '"
              + model
              + "' sent nothing for "
              + TimeUnit.NANOSECONDS.toMillis(idleNanos)
              + " ms after "
              + stream.lastSeq()
              + " tokens.");
    }
  }

  private static String clip(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "…";
  }
}
