package dev.streamgate.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCatalogTest {

  @Test
  void readsEntriesWithDefaultsAndKeysFromTheEnvironment() {
    List<Upstream> upstreams =
        ModelCatalog.upstreams(
            """
        # local models
        llama=http://127.0.0.1:8000/v1|meta-llama/Llama-3-8B
        gpt=https://api.openai.com/v1|gpt-4o-mini|env:OPENAI_KEY; tiny=http://ollama:11434/v1
        """,
            Map.of("OPENAI_KEY", "sk-123")::get);
    assertEquals(
        List.of(
            new Upstream(
                "llama", URI.create("http://127.0.0.1:8000/v1"), "meta-llama/Llama-3-8B", null),
            new Upstream("gpt", URI.create("https://api.openai.com/v1"), "gpt-4o-mini", "sk-123"),
            new Upstream("tiny", URI.create("http://ollama:11434/v1"), "tiny", null)),
        upstreams);
    assertEquals(
        URI.create("http://ollama:11434/v1/chat/completions"), upstreams.get(2).chatCompletions());
  }

  @Test
  void keysNeverShowInText() {
    Upstream upstream = new Upstream("gpt", URI.create("https://x/v1"), "m", "sk-very-secret");
    assertFalse(upstream.toString().contains("sk-very-secret"));
  }

  @Test
  void aMalformedEntryStopsTheStartAndSaysWhich() {
    assertEquals(
        "STREAMGATE_MODELS entry 'x' needs an http or https base URL: ftp://host/v1",
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelCatalog.upstreams("x=ftp://host/v1", Map.<String, String>of()::get))
            .getMessage());
    assertEquals(
        "STREAMGATE_MODELS entry 'no-equals-sign' is not name=base-url[|upstream-model[|api-key]]",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    ModelCatalog.upstreams(
                        "no-equals-sign|m|sk-secret", Map.<String, String>of()::get))
            .getMessage(),
        "what comes after a '|' may be a key: never shown");
    assertThrows(
        IllegalArgumentException.class,
        () -> ModelCatalog.upstreams("k=http://h/v1|m|env:MISSING", Map.<String, String>of()::get));
    assertThrows(
        IllegalArgumentException.class,
        () -> ModelCatalog.upstreams("simulated=http://h/v1", Map.<String, String>of()::get));
  }
}
