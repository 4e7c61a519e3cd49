package dev.streamgate.generation;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * The simulated model's words: an endless, deterministic answer for (prompt, seed), in tokens the
 * way a real tokenizer splits text (a leading space on words, punctuation apart, a blank line
 * between paragraphs). It reads like an assistant talking about the prompt's topic.
 */
final class SimulatedText {

  private static final String[] OPENERS = {
    "In practice,",
    "Put simply,",
    "Most of the time,",
    "As a rule,",
    "For example,",
    "That said,",
    "In my experience,",
    "On the other hand,",
    "",
    "",
    ""
  };
  private static final String[] SUBJECTS = {
    "the TOPIC",
    "a good TOPIC",
    "your TOPIC",
    "each request",
    "the client",
    "the server",
    "a stream",
    "every token",
    "the model",
    "a careful design for TOPIC"
  };
  private static final String[] VERBS = {
    "keeps",
    "sends",
    "measures",
    "needs",
    "improves",
    "changes",
    "reads",
    "handles",
    "depends on",
    "avoids",
    "shapes",
    "protects"
  };
  private static final String[] OBJECTS = {
    "the latency", "a single connection", "the whole answer", "one token at a time",
    "the cost of a reconnect", "the slowest reader", "its own buffer", "what came before",
    "a clear error", "a naïve retry loop", "the TOPIC itself", "the user's patience"
  };
  private static final String[] TAILS = {
    "",
    "",
    "without waiting",
    "when the network is slow",
    "as soon as it can",
    "— and that matters",
    "for every user",
    "in the same order",
    "at a steady pace"
  };
  private static final String[] INTROS = {
    "Sure! Here is how I would think about TOPIC.", "Good question about TOPIC.",
    "Let me walk through TOPIC step by step.", "Here is a short overview of TOPIC."
  };
  private static final Set<String> STOPWORDS =
      Set.of(
          "about",
          "explain",
          "describe",
          "please",
          "could",
          "would",
          "should",
          "tell",
          "what",
          "which",
          "where",
          "when",
          "there",
          "their",
          "them",
          "this",
          "that",
          "with",
          "from",
          "have",
          "does",
          "your",
          "into",
          "give",
          "write",
          "show",
          "some",
          "how");

  private static final Pattern SPACES = Pattern.compile(" +");
  private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}-]+");

  private final SplittableRandom random;
  private final String topic;
  private final ArrayDeque<String> pending = new ArrayDeque<>();
  private int sentencesInParagraph;
  private boolean started;

  SimulatedText(String prompt, long seed) {
    this(prompt, seed, Simulation.TOPIC_MAX);
  }

  SimulatedText(String prompt, long seed, int topicMax) {
    this.random = new SplittableRandom(seed ^ fnv1a(prompt));
    String word = topic(prompt);
    this.topic = word.length() > topicMax ? word.substring(0, topicMax) : word;
  }

  /** How many tokens the answer runs to before the model stops by itself. */
  static int naturalLength(String prompt, long seed) {
    return 80 + new SplittableRandom(seed * 31 + fnv1a(prompt)).nextInt(240);
  }

  /** The first {@code tokens} tokens of the answer, as one string. */
  static String first(String prompt, long seed, int tokens) {
    SimulatedText text = new SimulatedText(prompt, seed);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < tokens; i++) {
      out.append(text.next());
    }
    return out.toString();
  }

  String next() {
    if (pending.isEmpty()) {
      refill();
    }
    return pending.poll();
  }

  private void refill() {
    if (!started) {
      started = true;
      tokenize(pick(INTROS).replace("TOPIC", topic), true);
      pending.add("\n\n");
      return;
    }
    boolean first = sentencesInParagraph == 0;
    tokenize(sentence(), first);
    if (++sentencesInParagraph >= 3 + random.nextInt(3)) {
      sentencesInParagraph = 0;
      pending.add("\n\n");
    }
  }

  private String sentence() {
    List<String> parts = new ArrayList<>(5);
    parts.add(pick(OPENERS));
    parts.add(pick(SUBJECTS));
    parts.add(pick(VERBS));
    parts.add(pick(OBJECTS));
    parts.add(pick(TAILS));
    String text =
        SPACES.matcher(String.join(" ", parts)).replaceAll(" ").trim().replace("TOPIC", topic);
    return Character.toUpperCase(text.charAt(0)) + text.substring(1) + ".";
  }

  private void tokenize(String sentence, boolean startsParagraph) {
    boolean firstWord = startsParagraph;
    for (String word : sentence.split(" ")) {
      String core = word;
      String punctuation = "";
      char last = word.charAt(word.length() - 1);
      if (word.length() > 1 && (last == ',' || last == '.' || last == '!' || last == ':')) {
        core = word.substring(0, word.length() - 1);
        punctuation = String.valueOf(last);
      }
      pending.add(firstWord ? core : " " + core);
      if (!punctuation.isEmpty()) {
        pending.add(punctuation);
      }
      firstWord = false;
    }
  }

  private String pick(String[] choices) {
    return choices[random.nextInt(choices.length)];
  }

  /** The prompt's longest word that is not a filler: the most telling one. */
  private static String topic(String prompt) {
    String topic = "streaming";
    int longest = 3;
    for (String word : NON_WORD.split(prompt.toLowerCase(Locale.ROOT))) {
      if (word.length() > longest && !STOPWORDS.contains(word)) {
        topic = word;
        longest = word.length();
      }
    }
    return topic;
  }

  private static long fnv1a(String text) {
    long hash = 0xcbf29ce484222325L;
    for (int i = 0; i < text.length(); i++) {
      hash ^= text.charAt(i);
      hash *= 0x100000001b3L;
    }
    return hash;
  }
}
