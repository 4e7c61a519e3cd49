package dev.streamgate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TokenStreamTest {

  private static TokenStream streamOf(int tokens) {
    TokenStream stream = new TokenStream("gen_test", "simulated");
    for (int i = 1; i <= tokens; i++) {
      assertEquals(i, stream.append("t" + i + " "));
    }
    return stream;
  }

  @Test
  void aLogThatWouldPassItsByteLimitEndsWithLengthAndStopsItsProducer() {
    TokenStream stream = new TokenStream("gen_1", "m");
    boolean[] stopped = {false};
    stream.onCancel(() -> stopped[0] = true);
    stream.maxBytes(2 * 10 + 4 * 3); // ten characters in three tokens
    assertEquals(1, stream.append("four"));
    assertEquals(2, stream.append("five!"));
    assertEquals(0, stream.append("xy"), "11 characters would not fit");
    assertEquals(FinishReason.LENGTH, stream.terminal().reason());
    assertEquals(2, stream.terminal().tokens());
    assertEquals("fourfive!", stream.text());
    assertEquals(2 * 9 + 4 * 2, stream.bytes());
    assertTrue(stopped[0], "the producer is told to stop");
    assertEquals(0, stream.append("a"));
  }

  @Test
  void seqNumbersStartAtOneAndFollowAppendOrder() {
    TokenStream stream = streamOf(3);
    Slice all = stream.read(0, 100);
    assertEquals(List.of("t1 ", "t2 ", "t3 "), all.texts());
    assertEquals(1, all.firstSeq());
    assertEquals(3, all.lastSeq());
    assertNull(all.terminal(), "a running stream has no terminal event");
  }

  @Test
  void resumeAtEverySeqGivesExactlyTheRest() {
    TokenStream stream = streamOf(40);
    stream.finish(FinishReason.STOP);
    String whole = stream.text();
    for (int cursor = 0; cursor <= 40; cursor++) {
      Slice rest = stream.read(cursor, 1000);
      assertEquals(cursor + 1, rest.firstSeq());
      assertEquals(40, rest.lastSeq());
      assertEquals(whole, stream.read(0, cursor).text() + rest.text());
      assertEquals(FinishReason.STOP, rest.terminal().reason());
    }
  }

  @Test
  void everyTokenKeepsItsExactTextBeforeAndAfterTheEnd() {
    // empty tokens, line breaks, non-ASCII and a surrogate pair, past the first array sizes
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      tokens.add(
          List.of("", "\n\n", " naïve", "—", "😀", " a much longer token than most").get(i % 6));
    }
    TokenStream stream = new TokenStream("gen_test", "simulated");
    tokens.forEach(stream::append);
    String whole = String.join("", tokens);

    assertEquals(tokens, stream.read(0, 1000).texts());
    assertEquals(whole, stream.text());
    stream.finish(FinishReason.STOP);
    assertEquals(tokens, stream.read(0, 1000).texts(), "the same after the log is trimmed");
    assertEquals(tokens.subList(150, 300), stream.read(150, 1000).texts());
    assertEquals(whole, stream.text());
    assertEquals("", new TokenStream("gen_empty", "simulated").text());
  }

  @Test
  void terminalComesOnlyWithTheLastTokens() {
    TokenStream stream = streamOf(10);
    stream.finish(FinishReason.LENGTH);
    assertNull(stream.read(0, 5).terminal(), "tokens 6..10 are still to come");
    assertEquals(new Terminal(FinishReason.LENGTH, 10, null, null), stream.read(5, 5).terminal());
    Slice atEnd = stream.read(10, 5);
    assertTrue(atEnd.texts().isEmpty());
    assertEquals(FinishReason.LENGTH, atEnd.terminal().reason());
  }

  @Test
  void terminalEventHappensExactlyOnce() {
    TokenStream stream = streamOf(2);
    AtomicInteger cancels = new AtomicInteger();
    stream.onCancel(cancels::incrementAndGet);
    assertTrue(stream.finish(FinishReason.STOP));
    assertFalse(stream.finish(FinishReason.LENGTH));
    assertFalse(stream.fail("x", "y"));
    assertFalse(stream.cancel());
    assertEquals(0, stream.append("late"), "nothing is appended after the end");
    assertEquals(0, cancels.get(), "a finished generation has nothing to stop");
    assertEquals(new Terminal(FinishReason.STOP, 2, null, null), stream.terminal());
    assertEquals("completed", stream.terminal().state());
  }

  @Test
  void cancelEndsTheStreamAndStopsTheProducerOnce() {
    TokenStream stream = streamOf(3);
    AtomicInteger cancels = new AtomicInteger();
    stream.onCancel(cancels::incrementAndGet);
    assertTrue(stream.cancel());
    assertFalse(stream.cancel());
    assertEquals(1, cancels.get());
    assertEquals("cancelled", stream.terminal().state());
    assertEquals("t1 t2 t3 ", stream.text(), "what was generated stays readable");
  }

  @Test
  void failureKeepsTheTokensBeforeIt() {
    TokenStream stream = streamOf(4);
    stream.fail("model_error", "upstream went away");
    Slice all = stream.read(0, 100);
    assertEquals(4, all.lastSeq());
    assertEquals(
        new Terminal(FinishReason.ERROR, 4, "model_error", "upstream went away"), all.terminal());
    assertEquals("failed", all.terminal().state());
  }

  @Test
  void cursorsOutsideTheLogAreRefused() {
    TokenStream stream = streamOf(3);
    assertThrows(IllegalArgumentException.class, () -> stream.read(-1, 10));
    assertThrows(IllegalArgumentException.class, () -> stream.read(4, 10));
  }

  @Test
  void listenersHearEveryAppendAndTheEnd() {
    TokenStream stream = new TokenStream("gen_test", "simulated");
    AtomicInteger calls = new AtomicInteger();
    stream.addListener(calls::incrementAndGet);
    stream.append("a");
    stream.append("b");
    stream.finish(FinishReason.STOP);
    assertEquals(3, calls.get());
  }

  @Test
  void aStreamWithNoReaderForTheTimeoutIsOrphaned() {
    TokenStream stream = new TokenStream("gen_test", "simulated");
    long now = System.nanoTime();
    long idle = TimeUnit.SECONDS.toNanos(30);
    assertFalse(stream.isOrphaned(now, idle), "just created");
    assertTrue(stream.isOrphaned(now + idle + 1, idle));
    Runnable reader = () -> {};
    stream.addListener(reader);
    assertFalse(stream.isOrphaned(now + 2 * idle, idle), "a reader is attached");
    stream.removeListener(reader);
    assertFalse(stream.isOrphaned(System.nanoTime(), idle), "the reader just left");
  }

  @Test
  void concurrentReadersSeeEveryTokenInOrderWhileOneWriterAppends() throws Exception {
    int tokens = 20_000;
    int readers = 8;
    TokenStream stream = new TokenStream("gen_test", "simulated");
    StringBuilder expected = new StringBuilder();
    for (int i = 1; i <= tokens; i++) {
      expected.append(i).append(',');
    }
    ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int r = 0; r < readers; r++) {
        int batch = 1 + r * 7;
        results.add(
            pool.submit(
                () -> {
                  StringBuilder seen = new StringBuilder();
                  long cursor = 0;
                  while (true) {
                    Slice slice = stream.read(cursor, batch);
                    seen.append(slice.text());
                    cursor = slice.lastSeq();
                    if (slice.terminal() != null) {
                      return seen.toString();
                    }
                    Thread.onSpinWait();
                  }
                }));
      }
      pool.submit(
          () -> {
            for (int i = 1; i <= tokens; i++) {
              stream.append(i + ",");
            }
            stream.finish(FinishReason.STOP);
          });
      for (Future<String> result : results) {
        assertEquals(expected.toString(), result.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
