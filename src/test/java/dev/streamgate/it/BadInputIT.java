package dev.streamgate.it;

import static dev.streamgate.it.Gateway.assertProblem;
import static dev.streamgate.it.Gateway.simulated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every bad request answers a precise 4xx {@code application/problem+json}, never a 500. */
class BadInputIT extends DeployedGateway {

  private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

  /** A finished generation with 5 tokens, so "past the end" is exact. */
  private String id;

  @BeforeEach
  void fiveTokenGeneration() {
    id = gateway.createGeneration(simulated("five tokens").length(5));
    gateway.awaitEnded(id);
  }

  static Stream<Arguments> badGenerationRequests() {
    return Stream.of(
        Arguments.of("{\"messages\": [", "malformed_json", null),
        Arguments.of("", "malformed_json", null),
        Arguments.of("{}", "invalid_request", "messages"),
        Arguments.of("{\"messages\":[]}", "invalid_request", "messages"),
        Arguments.of("{\"messages\":\"hi\"}", "invalid_request", "messages"),
        Arguments.of("{" + MESSAGES + ",\"max_tokens\":0}", "invalid_request", "max_tokens"),
        Arguments.of("{" + MESSAGES + ",\"max_tokens\":8193}", "invalid_request", "max_tokens"),
        Arguments.of("{" + MESSAGES + ",\"max_tokens\":\"abc\"}", "invalid_request", "max_tokens"),
        Arguments.of("{" + MESSAGES + ",\"model\":\"gpt-17\"}", "unknown_model", "model"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("badGenerationRequests")
  void badGenerationRequestIsA400Problem(String body, String code, String param) {
    JsonNode problem = assertProblem(gateway.post("api/generations", body), 400, code);

    if (param == null) {
      assertNull(problem.get("param"), problem.toString());
    } else {
      assertEquals(param, problem.path("param").asText(), problem.toString());
    }
  }

  @Test
  void bodyThatIsNotUtf8IsMalformedJson() {
    byte[] latin1 =
        "{\"messages\":[{\"role\":\"user\",\"content\":\"caf\u00e9\"}]}"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    assertProblem(
        gateway.send(
            gateway
                .request("api/generations")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(latin1))),
        400,
        "malformed_json");
  }

  @Test
  void bodyOverOneMebibyteIs413() {
    String padding = "x".repeat(1 << 20);
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + padding + "\"}]}";

    assertProblem(gateway.post("api/generations", body), 413, "body_too_large");
  }

  @ParameterizedTest(name = "after={0}")
  @ValueSource(strings = {"abc", "-1", "6", "1.5"})
  void badAfterOnTheEventStreamIsInvalidCursor(String after) {
    assertProblem(
        gateway.get(
            "api/generations/" + id + "/events?after=" + after, "Accept", "text/event-stream"),
        400,
        "invalid_cursor");
  }

  @ParameterizedTest(name = "Last-Event-ID: {0}")
  @ValueSource(strings = {"garbage", "-1", "6"})
  void badLastEventIdIsInvalidCursor(String lastEventId) {
    assertProblem(
        gateway.get(
            "api/generations/" + id + "/events",
            "Accept",
            "text/event-stream",
            "Last-Event-ID",
            lastEventId),
        400,
        "invalid_cursor");
  }

  @ParameterizedTest(name = "after={0}")
  @ValueSource(strings = {"abc", "-1", "6"})
  void badAfterOnThePollIsInvalidCursor(String after) {
    assertProblem(gateway.poll(id, "after=" + after + "&wait=0"), 400, "invalid_cursor");
  }

  @ParameterizedTest(name = "wait={0}")
  @ValueSource(strings = {"-1", "61", "abc"})
  void waitOutsideZeroToSixtyIsInvalidWait(String wait) {
    JsonNode problem = assertProblem(gateway.poll(id, "after=0&wait=" + wait), 400, "invalid_wait");

    assertEquals("wait", problem.path("param").asText(), problem.toString());
  }

  @Test
  void cursorsAtTheEdgesAreAccepted() {
    assertEquals(200, gateway.poll(id, "after=0&wait=0").statusCode());
    assertEquals(200, gateway.poll(id, "after=5&wait=0").statusCode());
    assertEquals(
        200, gateway.poll(id, "after=5&wait=60").statusCode(), "a finished stream answers at once");
  }

  @Test
  void unknownIdIsNotFoundOnEveryRoute() {
    String unknown = "gen_AAAAAAAAAAAAAAAAAAAAAAAA";

    assertProblem(gateway.get("api/generations/" + unknown), 404, "not_found");
    assertProblem(
        gateway.get("api/generations/" + unknown + "/events", "Accept", "text/event-stream"),
        404,
        "not_found");
    assertProblem(gateway.poll(unknown, "after=0&wait=0"), 404, "not_found");
    assertProblem(gateway.delete("api/generations/" + unknown), 404, "not_found");
  }

  @Test
  void unsupportedMethodIs405() {
    assertProblem(
        gateway.send(
            gateway
                .request("api/generations/" + id + "/poll")
                .PUT(HttpRequest.BodyPublishers.ofString("{}"))),
        405,
        "method_not_allowed");
    assertProblem(
        gateway.send(
            gateway
                .request("api/generations/" + id)
                .PUT(HttpRequest.BodyPublishers.ofString("{}"))),
        405,
        "method_not_allowed");
    assertProblem(gateway.get("api/generations"), 405, "method_not_allowed");
  }

  @Test
  void unknownPathIsANotFoundProblem() {
    assertProblem(gateway.get("api/nothing-here"), 404, "not_found");
  }
}
