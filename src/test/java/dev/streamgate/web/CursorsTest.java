package dev.streamgate.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.streamgate.stream.TokenStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CursorsTest {

  private static TokenStream fiveTokens() {
    TokenStream stream = new TokenStream("gen_cursor", "simulated");
    for (int i = 0; i < 5; i++) {
      stream.append("t" + i);
    }
    return stream;
  }

  @ParameterizedTest(name = "\"{0}\" is {1}")
  @CsvSource(
      delimiter = '|',
      value = {"0|0", "3|3", "' 3 '|3", "004|4", "5|5", "''|0"})
  void aCursorIsDigits(String raw, long cursor) {
    assertEquals(cursor, Cursors.parse(raw, "after", fiveTokens()));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"+3", "1e3", "3.0", "0x3", "١٢", "9223372036854775808", "3 4", "\t-"})
  void anythingElseIsNoWholeNumber(String raw) {
    ProblemException refused =
        assertThrows(ProblemException.class, () -> Cursors.parse(raw, "after", fiveTokens()));
    assertEquals(400, refused.problem().status());
    assertEquals("invalid_cursor", refused.problem().code());
    assertEquals(
        "after must be a whole number: the last seq the client has (0 for none).",
        refused.problem().detail());
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"-0", "-1", " -7 "})
  void aSignedNumberIsNegative(String raw) {
    ProblemException refused =
        assertThrows(
            ProblemException.class, () -> Cursors.parse(raw, "Last-Event-ID", fiveTokens()));
    assertEquals("Last-Event-ID must not be negative.", refused.problem().detail());
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"6", "9223372036854775807"})
  void pastTheLastTokenIsRefused(String raw) {
    ProblemException refused =
        assertThrows(ProblemException.class, () -> Cursors.parse(raw, "after", fiveTokens()));
    assertEquals(
        "after=" + raw + " is past the last token of this generation (seq 5).",
        refused.problem().detail());
  }
}
