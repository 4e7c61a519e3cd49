package dev.streamgate.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.runtime.Settings;
import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.Terminal;
import dev.streamgate.stream.TokenStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatedGeneratorTest {

  private Scheduling scheduling;
  private SimulatedGenerator generator;

  @BeforeEach
  void start() {
    Settings settings = new Settings(Map.<String, String>of()::get);
    scheduling = new Scheduling(settings);
    scheduling.start();
    generator = new SimulatedGenerator(scheduling, settings);
  }

  @AfterEach
  void stop() {
    scheduling.stop();
  }

  private static GenerationRequest request(int maxTokens, Simulation simulation) {
    return new GenerationRequest(
        "simulated", List.of(new Message("user", "Tell me about streams")), maxTokens, simulation);
  }

  /** Runs the request to its end and returns the stream. */
  private TokenStream run(GenerationRequest request) throws InterruptedException {
    TokenStream stream = new TokenStream("gen_test", "simulated");
    CountDownLatch ended = new CountDownLatch(1);
    stream.addListener(
        () -> {
          if (stream.isEnded()) {
            ended.countDown();
          }
        });
    generator.start(request, stream);
    assertTrue(ended.await(30, TimeUnit.SECONDS), "the generation ends");
    return stream;
  }

  @Test
  void maxTokensCutsTheAnswerWithFinishReasonLength() throws Exception {
    TokenStream stream = run(request(20, new Simulation(0, 2000, 5, 100, 0)));
    assertEquals(new Terminal(FinishReason.LENGTH, 20, null, null), stream.terminal());
    assertEquals(SimulatedText.first("Tell me about streams", 5, 20), stream.text());
  }

  @Test
  void theModelStopsByItselfAtItsNaturalLength() throws Exception {
    TokenStream stream = run(request(256, new Simulation(0, 2000, 5, 12, 0)));
    assertEquals(new Terminal(FinishReason.STOP, 12, null, null), stream.terminal());
  }

  @Test
  void failAfterEndsWithAnErrorAfterThatManyTokens() throws Exception {
    TokenStream stream = run(request(256, new Simulation(0, 2000, 5, 0, 3)));
    assertEquals(3, stream.lastSeq());
    assertEquals("model_error", stream.terminal().errorCode());
    assertEquals(SimulatedText.first("Tell me about streams", 5, 3), stream.text());
  }

  @Test
  void theFirstTokenComesNoSoonerThanTheTtft() throws Exception {
    TokenStream stream = new TokenStream("gen_test", "simulated");
    CountDownLatch first = new CountDownLatch(1);
    stream.addListener(first::countDown);
    long started = System.nanoTime();
    generator.start(request(5, new Simulation(200, 1000, 1, 0, 0)), stream);
    assertTrue(first.await(30, TimeUnit.SECONDS));
    assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(200));
  }

  @Test
  void cancellingStopsTheModelsTimer() throws Exception {
    TokenStream stream = new TokenStream("gen_test", "simulated");
    CountDownLatch first = new CountDownLatch(1);
    stream.addListener(first::countDown);
    generator.start(request(1000, new Simulation(0, 50, 1, 1000, 0)), stream);
    assertTrue(first.await(30, TimeUnit.SECONDS));
    stream.cancel();
    long tokens = stream.lastSeq();
    assertEquals(tokens, stream.terminal().tokens());
    var timers = (ScheduledThreadPoolExecutor) scheduling.timers();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (timers.getQueue().size() > 0 && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(5); // the ticker notices within a tick, then stops
    }
    assertEquals(0, timers.getQueue().size(), "nothing left to tick: the ticker stopped");
  }
}
