package dev.streamgate.transport.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.streamgate.web.ProblemException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PollServletTest {

  @ParameterizedTest(name = "wait=\"{0}\" is {1} s")
  @CsvSource(
      delimiter = '|',
      nullValues = "null",
      value = {"null|25", "''|25", "0|0", "' 7 '|7", "007|7", "60|60"})
  void aWaitIsWholeSecondsUpToAMinute(String raw, int seconds) {
    assertEquals(seconds, PollServlet.waitSeconds(raw));
  }

  @ParameterizedTest(name = "wait=\"{0}\"")
  @ValueSource(strings = {"61", "-1", "+5", "1.5", "١", "99999999999", "1e1"})
  void anythingElseIsInvalidWait(String raw) {
    ProblemException refused =
        assertThrows(ProblemException.class, () -> PollServlet.waitSeconds(raw));
    assertEquals(400, refused.problem().status());
    assertEquals("invalid_wait", refused.problem().code());
  }
}
