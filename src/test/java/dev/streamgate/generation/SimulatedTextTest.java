package dev.streamgate.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SimulatedTextTest {

  @Test
  void aHugeWordInThePromptDoesNotMakeHugeTokens() {
    String text = SimulatedText.first("Explain " + "z".repeat(100_000), 7, 300);
    assertTrue(text.contains("z".repeat(Simulation.TOPIC_MAX)), text);
    assertFalse(text.contains("z".repeat(Simulation.TOPIC_MAX + 1)), text);
  }

  @Test
  void theSamePromptAndSeedGiveTheSameText() {
    assertEquals(
        SimulatedText.first("Explain server-sent events", 7, 300),
        SimulatedText.first("Explain server-sent events", 7, 300));
  }

  @Test
  void anotherSeedOrPromptGivesAnotherText() {
    String base = SimulatedText.first("Explain server-sent events", 7, 100);
    assertNotEquals(base, SimulatedText.first("Explain server-sent events", 8, 100));
    assertNotEquals(base, SimulatedText.first("Explain websockets", 7, 100));
  }

  @Test
  void readsLikeAnAnswerAboutThePrompt() {
    String answer = SimulatedText.first("Why does backpressure matter?", 1, 200);
    assertTrue(answer.contains("backpressure"), answer);
    assertTrue(answer.contains(". "), "sentences: " + answer);
    assertTrue(answer.contains("\n\n"), "paragraphs: " + answer);
    assertTrue(answer.matches("(?s)[A-Z].*"), "starts like a sentence: " + answer);
    assertTrue(!answer.contains("  "), "no doubled spaces: " + answer);
  }

  @Test
  void tokensLookLikeATokenizersOutput() {
    SimulatedText text = new SimulatedText("tokens", 3);
    for (int i = 0; i < 500; i++) {
      String token = text.next();
      assertTrue(!token.isEmpty() && token.length() < 20, "token '" + token + "'");
    }
  }

  @Test
  void naturalLengthIsStableAndBounded() {
    for (long seed = 0; seed < 50; seed++) {
      int length = SimulatedText.naturalLength("prompt", seed);
      assertEquals(length, SimulatedText.naturalLength("prompt", seed));
      assertTrue(length >= 80 && length < 320, "length " + length);
    }
  }
}
