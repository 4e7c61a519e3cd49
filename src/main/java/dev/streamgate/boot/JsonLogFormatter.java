package dev.streamgate.boot;

import dev.streamgate.web.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * {@code STREAMGATE_LOG_FORMAT=json} on the launcher: one JSON object per line, as log shippers
 * read them: {@code time}, {@code level}, {@code logger}, {@code thread}, {@code message}, and
 * {@code error} (the stack trace) when there is one.
 */
public class JsonLogFormatter extends Formatter {

  @Override
  public String format(LogRecord record) {
    StringBuilder json = new StringBuilder(256);
    json.append("{\"time\":\"").append(Instant.ofEpochMilli(record.getMillis())).append('"');
    field(json, "level", record.getLevel().getName());
    field(json, "logger", record.getLoggerName());
    field(json, "thread", Thread.currentThread().getName());
    field(json, "message", formatMessage(record));
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      field(json, "error", trace.toString());
    }
    return json.append("}\n").toString();
  }

  private static void field(StringBuilder json, String name, String value) {
    json.append(",\"").append(name).append("\":");
    if (value == null) {
      json.append("null");
    } else {
      Json.quote(json, value);
    }
  }
}
