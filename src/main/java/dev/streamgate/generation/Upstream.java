package dev.streamgate.generation;

import java.net.URI;

/**
 * An OpenAI-compatible model server behind a public model name: its base URL (up to and including
 * {@code /v1}), the model name it knows, and the API key it wants (or null). The key is never
 * logged and never shown: {@link #toString()} leaves it out.
 */
public record Upstream(String name, URI baseUrl, String model, String apiKey) {

  public URI chatCompletions() {
    String base = baseUrl.toString();
    return URI.create((base.endsWith("/") ? base : base + "/") + "chat/completions");
  }

  @Override
  public String toString() {
    return "Upstream[" + name + " -> " + model + (apiKey == null ? "" : ", with key") + "]";
  }
}
