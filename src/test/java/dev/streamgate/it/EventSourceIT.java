package dev.streamgate.it;

import static dev.streamgate.it.Gateway.richText;
import static dev.streamgate.it.Gateway.simulated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.junit.jupiter.api.Test;

/** okhttp-sse's {@link EventSource}, a third-party SSE client, reads and resumes a stream. */
class EventSourceIT extends DeployedGateway {

  private static final OkHttpClient OKHTTP =
      new OkHttpClient.Builder().readTimeout(30, TimeUnit.SECONDS).build();

  @Test
  void readsTheWholeStream() {
    String id = gateway.createGeneration(richText().length(40));

    Recorder recorder = Recorder.open(gateway, id, 0, null);

    Gateway.await(recorder.closed);
    assertEquals(List.of("done"), recorder.ends);
    assertEquals(
        Gateway.assertRich(gateway.status(id).get("text").asText()), recorder.transcript.text());
    assertEquals(40, recorder.transcript.cursor());
    assertEquals(List.of(), recorder.idsNotMatchingSeq, "each event's id is its seq");
  }

  @Test
  void reconnectWithLastEventIdContinuesExactly() {
    String id =
        gateway.createGeneration(simulated("okhttp reconnects").length(100).tokensPerSecond(100));
    Recorder first = Recorder.open(gateway, id, 0, null);
    Gateway.await("ten tokens", () -> first.transcript.cursor() >= 10);
    first.cancel();
    Gateway.await(first.closed);
    Transcript.Received before = first.transcript.received();
    assertTrue(before.cursor() < 100, "dropped mid-stream, at " + before.cursor());

    Recorder second = Recorder.open(gateway, id, before.cursor(), Long.toString(before.cursor()));

    Gateway.await(second.closed);
    assertEquals(List.of("done"), second.ends);
    assertEquals(gateway.status(id).get("text").asText(), before.text() + second.transcript.text());
  }

  /**
   * Reassembles an EventSource's token events; {@code closed} completes on its one final callback.
   */
  private static final class Recorder extends EventSourceListener {
    final Transcript transcript;
    final List<String> ends = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    final List<String> idsNotMatchingSeq = new CopyOnWriteArrayList<>();
    private volatile boolean cancelled;
    private EventSource source;

    private Recorder(long after) {
      this.transcript = new Transcript(after);
    }

    static Recorder open(Gateway gateway, String id, long after, String lastEventId) {
      Recorder recorder = new Recorder(after);
      Request.Builder request =
          new Request.Builder().url(gateway.uri("api/generations/" + id + "/events").toString());
      if (lastEventId != null) {
        request.header("Last-Event-ID", lastEventId);
      }
      recorder.source =
          EventSources.createFactory(OKHTTP).newEventSource(request.build(), recorder);
      return recorder;
    }

    /** Drops the connection, as a client whose network went away. */
    void cancel() {
      cancelled = true;
      source.cancel();
    }

    @Override
    public void onEvent(EventSource source, String id, String type, String data) {
      if (cancelled) {
        return; // dropped: what was still in flight never reached this client
      }
      JsonNode json = Gateway.json(data);
      if ("token".equals(type)) {
        long seq = json.get("seq").asLong();
        transcript.append(json.path("first_seq").asLong(seq), seq, json.get("text").asText());
        if (!Long.toString(seq).equals(id)) {
          idsNotMatchingSeq.add(id + " for seq " + seq);
        }
      } else {
        ends.add(type);
      }
    }

    @Override
    public void onClosed(EventSource source) {
      closed.complete(null);
    }

    @Override
    public void onFailure(EventSource source, Throwable failure, Response response) {
      if (cancelled) {
        closed.complete(null); // our own cancel() ends the source through onFailure
      } else {
        closed.completeExceptionally(
            new AssertionError(
                "EventSource failed" + (response == null ? "" : " with " + response.code()),
                failure));
      }
    }
  }
}
