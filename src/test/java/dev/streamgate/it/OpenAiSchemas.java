package dev.streamgate.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenAI's published schemas for the answers {@code /v1} gives (a copy, from openai/openai-openapi:
 * {@code src/test/resources/openai/schemas.json}), as clients generated from them check answers.
 */
final class OpenAiSchemas {

  private static final ObjectNode DEFINITIONS = load();
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

  private OpenAiSchemas() {}

  /** What is wrong with {@code json} as the schema {@code name} has it; empty if nothing. */
  static List<String> errors(String name, String json) {
    JsonSchema schema =
        SCHEMAS.computeIfAbsent(
            name,
            n -> {
              if (!DEFINITIONS.path("$defs").has(n)) {
                throw new IllegalArgumentException("no schema " + n + " in the copy");
              }
              ObjectNode root = DEFINITIONS.deepCopy();
              root.remove("$comment");
              root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
              root.put("$ref", "#/$defs/" + n);
              return FACTORY.getSchema(root);
            });
    return schema.validate(Gateway.json(json)).stream().map(ValidationMessage::getMessage).toList();
  }

  /** Fails unless {@code json} conforms to OpenAI's schema {@code name}. */
  static void assertConforms(String name, String json) {
    List<String> errors = errors(name, json);
    if (!errors.isEmpty()) {
      throw new AssertionError(name + " is not met: " + errors + "\nin " + json);
    }
  }

  private static ObjectNode load() {
    try (InputStream in = OpenAiSchemas.class.getResourceAsStream("/openai/schemas.json")) {
      return (ObjectNode) Gateway.JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
