package dev.streamgate.transport.poll;

import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.web.Json;

/**
 * The long-poll wire format: {@code {"tokens":[{"seq":n,"text":"..."}],"last_seq":m,"done":bool,
 * "finish_reason":...}}, plus {@code error} when the generation failed. {@code last_seq} is the
 * cursor for the next poll.
 */
final class PollResponses {

  private PollResponses() {}

  static String of(Slice slice) {
    StringBuilder json = new StringBuilder(64 + slice.texts().size() * 32);
    json.append("{\"tokens\":[");
    long seq = slice.firstSeq();
    for (String text : slice.texts()) {
      if (seq > slice.firstSeq()) {
        json.append(',');
      }
      Json.quote(json.append("{\"seq\":").append(seq++).append(",\"text\":"), text).append('}');
    }
    json.append("],\"last_seq\":").append(slice.lastSeq());
    Terminal end = slice.terminal();
    json.append(",\"done\":").append(end != null);
    json.append(",\"finish_reason\":");
    if (end == null) {
      json.append("null");
    } else {
      Json.quote(json, end.reason().wire());
      if (end.cancelledBy() != null) {
        Json.quote(json.append(",\"cancelled_by\":"), end.cancelledBy());
      }
      if (end.isError()) {
        Json.quote(json.append(",\"error\":{\"code\":"), end.errorCode());
        Json.quote(json.append(",\"message\":"), end.errorMessage()).append('}');
      }
    }
    return json.append('}').toString();
  }
}
