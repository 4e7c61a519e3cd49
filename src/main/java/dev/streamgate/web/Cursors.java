package dev.streamgate.web;

import dev.streamgate.stream.TokenStream;
import java.util.regex.Pattern;

/** Parses a client's cursor ("the last seq I have"), from a query parameter or a header. */
public final class Cursors {

  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,19}");

  private Cursors() {}

  /** The cursor named {@code name}, 0 when absent; a 400 problem when it is not a valid seq. */
  public static long parse(String raw, String name, TokenStream stream) {
    if (raw == null || raw.isEmpty()) {
      return 0;
    }
    String text = raw.trim();
    if (text.startsWith("-") && DIGITS.matcher(text.substring(1)).matches()) {
      throw new ProblemException(400, "invalid_cursor", name + " must not be negative.");
    }
    long cursor;
    try {
      // Digits only: Long.parseLong alone would also take "+5", "-0" and non-ASCII digits.
      cursor = DIGITS.matcher(text).matches() ? Long.parseLong(text) : -1;
    } catch (NumberFormatException e) { // past Long.MAX_VALUE
      cursor = -1;
    }
    if (cursor < 0) {
      throw new ProblemException(
          400,
          "invalid_cursor",
          name + " must be a whole number: the last seq the client has (0 for none).");
    }
    long last = stream.lastSeq();
    // A client that read from the producer's node may be ahead of this node's mirror of the log,
    // which follows Redis a moment behind: it waits here for what comes after its cursor.
    if (cursor > last && !(stream.isMirror() && !stream.isEnded())) {
      throw new ProblemException(
          400,
          "invalid_cursor",
          name + "=" + cursor + " is past the last token of this generation (seq " + last + ").");
    }
    return cursor;
  }

  /**
   * Where an event stream resumes: after {@code Last-Event-ID} if the client sent one (a
   * reconnecting browser sends the original URL again, so its header is the newer cursor), else
   * after {@code ?after}.
   */
  public static long resume(String lastEventId, String after, TokenStream stream) {
    return lastEventId != null
        ? parse(lastEventId, "Last-Event-ID", stream)
        : parse(after, "after", stream);
  }
}
