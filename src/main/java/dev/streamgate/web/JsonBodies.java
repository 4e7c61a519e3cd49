package dev.streamgate.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Reads a JSON request body of at most a given size, or says exactly why it cannot. */
public final class JsonBodies {

  /** One document per body: {@code {"a":1} x} is refused, not read as {@code {"a":1}}. */
  private static final ObjectReader BODY =
      Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JsonBodies() {}

  public static JsonNode read(InputStream body, int maxBytes) {
    byte[] bytes;
    try {
      bytes = body.readNBytes(maxBytes + 1);
    } catch (IOException e) {
      throw new ProblemException(
          400, "incomplete_body", "The request body could not be read completely.");
    }
    if (bytes.length > maxBytes) {
      throw new ProblemException(
          413,
          "body_too_large",
          "The request body is larger than the limit of " + maxBytes + " bytes.");
    }
    return parse(bytes);
  }

  /** What was wrong, in our words: Jackson's name its own classes, settings and features. */
  static String reason(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    if (e instanceof StreamConstraintsException) {
      StreamReadConstraints limits = StreamReadConstraints.defaults();
      if (message.startsWith("Document nesting depth")) {
        return "it nests objects and arrays deeper than " + limits.getMaxNestingDepth() + " levels";
      } else if (message.startsWith("Number value length")) {
        return "it has a number longer than " + limits.getMaxNumberLength() + " characters";
      } else if (message.startsWith("String value length")) {
        return "it has a string longer than " + limits.getMaxStringLength() + " characters";
      }
      return "it is larger than the parser allows";
    }
    if (e instanceof JsonEOFException) {
      return "it ends before the JSON value is complete";
    }
    if (e instanceof MismatchedInputException && message.startsWith("Trailing token")) {
      return "there is more after the JSON value";
    }
    if (message.startsWith("Unexpected character ('") && message.length() > 24) {
      char found = message.charAt(23);
      String printable =
          found < 0x20
              ? String.format("U+%04X", (int) found)
              : found == '\'' ? "\"'\"" : "'" + found + "'";
      if (message.contains("double-quote to start field name")) {
        return "unexpected " + printable + ": a field name must be in double quotes";
      } else if (message.contains("expected a value")) {
        return "unexpected " + printable + " where a value should be";
      }
      return "unexpected " + printable;
    }
    if (message.startsWith("Unrecognized token '") || message.startsWith("Non-standard token '")) {
      int start = message.indexOf('\'') + 1;
      String token = message.substring(start, Math.max(start, message.indexOf('\'', start)));
      return "'"
          + (token.length() > 32 ? token.substring(0, 32) + "…" : token)
          + "' is not a JSON value (a string, number, object, array, true, false or null)";
    }
    if (message.startsWith("Illegal unquoted character")) {
      return "a control character in a string must be escaped with a backslash";
    }
    return "it is not well-formed";
  }

  /** Parses one JSON document from strict UTF-8. */
  public static JsonNode parse(byte[] bytes) {
    if (bytes.length == 0) {
      throw new ProblemException(
          400, "malformed_json", "The request body is empty; send a JSON object.");
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
    } catch (CharacterCodingException e) {
      throw new ProblemException(400, "malformed_json", "The request body is not valid UTF-8.");
    }
    try {
      JsonNode node = BODY.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new ProblemException(400, "malformed_json", "The request body holds no JSON value.");
      }
      return node;
    } catch (JsonProcessingException e) {
      var at = e.getLocation();
      String where =
          at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new ProblemException(
          400, "malformed_json", "The request body is not valid JSON" + where + ": " + reason(e));
    } catch (IOException e) {
      throw new ProblemException(400, "malformed_json", "The request body is not valid JSON.");
    }
  }
}
