package dev.streamgate.transport.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamgate.generation.InvalidRequestException;
import dev.streamgate.generation.Message;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpenAiRequestsTest {

  private static OpenAiRequests.ChatRequest read(String json) throws Exception {
    return OpenAiRequests.read(new ObjectMapper().readTree(json));
  }

  @Test
  void readsWhatSdksSendAndKeepsSamplingSettings() throws Exception {
    var chat =
        read(
            """
        {"model":"simulated","stream":true,"stream_options":{"include_usage":true},
         "max_completion_tokens":40,"max_tokens":10,"temperature":0.3,"stop":["\\n"],
         "frequency_penalty":0,"unknown_field":{"x":1},
         "messages":[{"role":"developer","content":"be brief"},
                     {"role":"user","content":[{"type":"text","text":"Hello "},{"type":"text","text":"there"}]},
                     {"role":"assistant","content":null}]}
        """);
    assertTrue(chat.stream());
    assertTrue(chat.includeUsage());
    assertEquals(40, chat.generation().maxTokens(), "max_completion_tokens wins");
    assertEquals(
        List.of(
            new Message("system", "be brief"),
            new Message("user", "Hello there"),
            new Message("assistant", "")),
        chat.generation().messages());
    assertEquals(
        Set.of("temperature", "stop", "frequency_penalty"),
        chat.generation().options().keySet(),
        "sampling settings go on; unknown fields do not");
    assertEquals("0.3", chat.generation().options().get("temperature").toString());
  }

  @Test
  void usageIsOnlyForStreams() throws Exception {
    var chat =
        read(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"stream_options\":{\"include_usage\":true}}");
    assertFalse(chat.stream());
    assertFalse(chat.includeUsage());
  }

  @Test
  void refusesWhatItCannotServe() {
    assertEquals(
        "n",
        assertThrows(
                InvalidRequestException.class,
                () -> read("{\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
            .param());
    assertEquals(
        "stream",
        assertThrows(
                InvalidRequestException.class,
                () ->
                    read(
                        "{\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
            .param());
    assertEquals(
        "messages",
        assertThrows(InvalidRequestException.class, () -> read("{\"model\":\"simulated\"}"))
            .param());
  }
}
