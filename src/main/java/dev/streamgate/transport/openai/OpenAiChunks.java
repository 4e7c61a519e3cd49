package dev.streamgate.transport.openai;

import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.stream.Usage;
import dev.streamgate.web.Json;
import dev.streamgate.web.Routes;

/**
 * OpenAI's chat-completion wire format, as its SDKs parse it: {@code chat.completion.chunk} objects
 * with the same id and created time in every chunk, the role in the first delta, the finish reason
 * in the last chunk, usage in an extra chunk with no choices, and errors in-band.
 */
final class OpenAiChunks {

  private final String id;
  private final long created;
  private final String model;

  OpenAiChunks(String generationId, long createdSeconds, String model) {
    this.id = completionId(generationId);
    this.created = createdSeconds;
    this.model = model;
  }

  static String completionId(String generationId) {
    return Routes.COMPLETION_PREFIX + generationId;
  }

  private StringBuilder head(int capacity) {
    StringBuilder json = new StringBuilder(capacity);
    Json.quote(json.append("{\"id\":"), id);
    json.append(",\"object\":\"chat.completion.chunk\",\"created\":").append(created);
    return Json.quote(json.append(",\"model\":"), model);
  }

  /** A chunk carrying the slice's text; the first one (from seq 1) also carries the role. */
  String content(Slice slice) {
    StringBuilder json = head(160 + slice.texts().size() * 8);
    json.append(",\"choices\":[{\"index\":0,\"delta\":{");
    if (slice.firstSeq() == 1) {
      json.append("\"role\":\"assistant\",");
    }
    Json.quote(json.append("\"content\":"), slice.text());
    return json.append("},\"logprobs\":null,\"finish_reason\":null}]}").toString();
  }

  /** The last chunk: an empty delta (the role if nothing came before) and the finish reason. */
  String finish(Terminal end, boolean roleSent) {
    StringBuilder json = head(200);
    json.append(",\"choices\":[{\"index\":0,\"delta\":{");
    if (!roleSent) {
      json.append("\"role\":\"assistant\",\"content\":\"\"");
    }
    json.append("},\"logprobs\":null,\"finish_reason\":");
    Json.quote(json, wireReason(end));
    return json.append("}]}").toString();
  }

  /** The extra chunk {@code stream_options.include_usage} asks for. */
  String usage(Usage usage) {
    StringBuilder json = head(200);
    json.append(",\"choices\":[],\"usage\":");
    return appendUsage(json, usage).append('}').toString();
  }

  /** A complete, non-streamed answer. */
  String completion(String text, Terminal end, Usage usage) {
    StringBuilder json = new StringBuilder(text.length() + 300);
    Json.quote(json.append("{\"id\":"), id);
    json.append(",\"object\":\"chat.completion\",\"created\":").append(created);
    Json.quote(json.append(",\"model\":"), model);
    json.append(",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
    // refusal is required by OpenAI's schema (ChatCompletionResponseMessage); it sends null.
    Json.quote(json, text).append(",\"refusal\":null},\"logprobs\":null,\"finish_reason\":");
    Json.quote(json, wireReason(end)).append("}],\"usage\":");
    return appendUsage(json, usage).append('}').toString();
  }

  private static StringBuilder appendUsage(StringBuilder json, Usage usage) {
    return json.append("{\"prompt_tokens\":")
        .append(usage.promptTokens())
        .append(",\"completion_tokens\":")
        .append(usage.completionTokens())
        .append(",\"total_tokens\":")
        .append(usage.totalTokens())
        .append('}');
  }

  /** An error after the stream began, in-band as vLLM and OpenAI send it. */
  static String error(String code, String message) {
    StringBuilder json = new StringBuilder(200);
    Json.quote(json.append("{\"error\":{\"message\":"), message);
    json.append(",\"type\":\"server_error\",\"param\":null,\"code\":");
    return Json.quote(json, code).append("}}").toString();
  }

  /** One SSE event as OpenAI sends it: no event name, an {@code id} (the cursor), one data line. */
  static StringBuilder event(StringBuilder out, long id, String data) {
    return out.append("id: ").append(id).append("\ndata: ").append(data).append("\n\n");
  }

  static StringBuilder done(StringBuilder out) {
    return out.append("data: [DONE]\n\n");
  }

  /** The backend's counts where it gave them, else our own count of the tokens written. */
  private static String wireReason(Terminal end) {
    return end.reason().wire();
  }
}
