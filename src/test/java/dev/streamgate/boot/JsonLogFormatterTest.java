package dev.streamgate.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class JsonLogFormatterTest {

  @Test
  void eachRecordIsOneLineOfJsonWithItsErrorAndControlCharactersEscaped() throws Exception {
    LogRecord record =
        new LogRecord(Level.WARNING, "generation {0} ended: \"cut\"\n\tby\u0001 {1}");
    record.setParameters(new Object[] {"gen_1", "shutdown"});
    record.setLoggerName("dev.streamgate.stream.StreamRegistry");
    record.setMillis(1_796_486_400_000L);
    record.setThrown(new IllegalStateException("boom"));

    String line = new JsonLogFormatter().format(record);

    assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, line);
    JsonNode json = new ObjectMapper().readTree(line);
    assertEquals("2026-12-05T16:00:00Z", json.get("time").asText());
    assertEquals("WARNING", json.get("level").asText());
    assertEquals("dev.streamgate.stream.StreamRegistry", json.get("logger").asText());
    assertEquals(
        "generation gen_1 ended: \"cut\"\n\tby\u0001 shutdown", json.get("message").asText());
    assertTrue(
        json.get("error").asText().startsWith("java.lang.IllegalStateException: boom\n"),
        json.toString());
  }
}
