package dev.streamgate.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonBodiesTest {

  private static String detail(String body) {
    ProblemException refused =
        assertThrows(
            ProblemException.class, () -> JsonBodies.parse(body.getBytes(StandardCharsets.UTF_8)));
    assertEquals("malformed_json", refused.problem().code());
    assertEquals(400, refused.problem().status());
    return refused.problem().detail();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "{                | at line 1, column 2: it ends before the JSON value is complete",
        "{\"a\":}         | at line 1, column 6: unexpected '}' where a value should be",
        "{'a':1}          | at line 1, column 2: unexpected \"'\": a field name must be in double quotes",
        "{a:1}            | at line 1, column 2: unexpected 'a': a field name must be in double quotes",
        "{\"a\":tru}      | at line 1, column 10: 'tru' is not a JSON value (a string, number, object, array, true, false or null)",
        "{\"a\":NaN}      | at line 1, column 9: 'NaN' is not a JSON value (a string, number, object, array, true, false or null)",
        "{\"a\":1} 2      | at line 1, column 9: there is more after the JSON value",
      })
  void aBrokenBodyIsRefusedSayingWhatIsWrongInOurWords(String body, String expected) {
    assertEquals("The request body is not valid JSON " + expected, detail(body.strip()));
  }

  @org.junit.jupiter.api.Test
  void bodiesPastTheParsersLimitsAreRefusedWithoutNamingItsInternals() {
    String deep = detail("[".repeat(1001) + "]".repeat(1001));
    String longNumber = detail("{\"a\":" + "9".repeat(2000) + "}");

    assertEquals(
        "The request body is not valid JSON: it nests objects and arrays deeper than 1000 levels",
        deep);
    assertEquals(
        "The request body is not valid JSON: it has a number longer than 1000 characters",
        longNumber);
    for (String detail : new String[] {deep, longNumber}) {
      assertFalse(detail.contains("StreamReadConstraints") || detail.contains("Source"), detail);
    }
  }
}
