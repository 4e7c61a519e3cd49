package dev.streamgate.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Reads a JSON request body of at most a given size, or says exactly why it cannot. */
public final class JsonBodies {

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

  /** Jackson's own words, without its pointer back into the source text. */
  private static String reason(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    int cut = message.indexOf(" (start marker at");
    message = cut < 0 ? message : message.substring(0, cut);
    cut = message.indexOf('\n');
    return cut < 0 ? message : message.substring(0, cut);
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
      JsonNode node = Json.MAPPER.readTree(bytes);
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
