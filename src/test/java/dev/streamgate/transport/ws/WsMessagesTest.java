package dev.streamgate.transport.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.Terminal;
import dev.streamgate.web.ProblemException;
import java.util.List;
import org.junit.jupiter.api.Test;

class WsMessagesTest {

  @Test
  void decodesTheThreeCommands() {
    var generate =
        assertInstanceOf(
            WsMessages.Generate.class,
            WsMessages.decode(
                "{\"type\":\"generate\",\"ref\":\"r1\",\"request\":{\"messages\":[]}}"));
    assertEquals("r1", generate.ref());
    assertEquals("[]", generate.request().get("messages").toString());
    var subscribe =
        assertInstanceOf(
            WsMessages.Subscribe.class,
            WsMessages.decode("{\"type\":\"subscribe\",\"id\":\"gen_1\",\"after\":5}"));
    assertEquals("gen_1", subscribe.id());
    assertEquals(5, subscribe.after().asLong());
    assertEquals(
        new WsMessages.Cancel("gen_1"),
        WsMessages.decode("{\"type\":\"cancel\",\"id\":\"gen_1\"}"));
    assertEquals(
        new WsMessages.Unsubscribe("gen_1"),
        WsMessages.decode("{\"type\":\"unsubscribe\",\"id\":\"gen_1\"}"));
  }

  @Test
  void refusesMessagesItCannotRead() {
    assertEquals("malformed_json", code("{\"type\":"));
    assertEquals("malformed_json", code(""));
    assertEquals("invalid_message", code("[1,2]"));
    assertEquals("invalid_message", code("{\"type\":\"dance\"}"));
    assertEquals("invalid_message", code("{\"type\":\"cancel\"}"));
    assertEquals("invalid_message", code("{\"type\":\"subscribe\",\"id\":7}"));
    assertEquals("invalid_message", code("{\"type\":\"generate\",\"ref\":{}}"));
  }

  private static String code(String frame) {
    return assertThrows(ProblemException.class, () -> WsMessages.decode(frame)).problem().code();
  }

  @Test
  void encodesServerFrames() {
    assertEquals(
        "{\"type\":\"started\",\"id\":\"gen_1\",\"ref\":\"r1\"}",
        WsMessages.started("gen_1", "r1"));
    assertEquals("{\"type\":\"started\",\"id\":\"gen_1\"}", WsMessages.started("gen_1", null));
    assertEquals(
        "{\"type\":\"token\",\"id\":\"gen_1\",\"seq\":3,\"text\":\"a\\r\\n\"}",
        WsMessages.tokens("gen_1", new Slice(2, List.of("a\r\n"), null)));
    assertEquals(
        "{\"type\":\"token\",\"id\":\"gen_1\",\"seq\":4,\"first_seq\":3,\"text\":\"ab\"}",
        WsMessages.tokens("gen_1", new Slice(2, List.of("a", "b"), null)));
    assertEquals(
        "{\"type\":\"done\",\"id\":\"gen_1\",\"finish_reason\":\"cancelled\",\"tokens\":4}",
        WsMessages.end("gen_1", new Terminal(FinishReason.CANCELLED, 4, null, null)));
    assertEquals(
        "{\"type\":\"error\",\"id\":\"gen_1\",\"code\":\"model_error\",\"message\":\"m\"}",
        WsMessages.end("gen_1", new Terminal(FinishReason.ERROR, 4, "model_error", "m")));
    assertEquals(
        "{\"type\":\"error\",\"id\":null,\"code\":\"c\",\"message\":\"m\",\"ref\":\"r\"}",
        WsMessages.error(null, "r", "c", "m"));
  }

  @Test
  void theRefOfABrokenMessageIsNotGuessed() {
    assertNull(WsMessages.refOf("{\"type\":"));
    assertEquals("r9", WsMessages.refOf("{\"type\":\"generate\",\"ref\":\"r9\"}"));
  }
}
