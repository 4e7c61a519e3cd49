package dev.streamgate.generation;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.runtime.Settings;
import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.stream.Usage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The embedded default model: deterministic text for (prompt, seed), first token after {@code
 * ttft_ms}, then {@code tokens_per_second}, so token k is due at start + ttft + (k-1)/rate. One
 * ticker on the shared timer pool writes every due token, once a millisecond while any generation
 * runs: starting a generation only enqueues it, so thousands of generations neither fight over the
 * timer pool's queue lock nor cost a timer entry each. There is one ticker per timer thread (each
 * generation belongs to one), since a ticker also writes its tokens to the clients that keep up.
 */
@ApplicationScoped
public class SimulatedGenerator implements Generator {

  public static final String MODEL = "simulated";
  private static final Logger LOG = Logger.getLogger(SimulatedGenerator.class.getName());
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private Scheduling scheduling;
  private Ticker[] tickers;
  private final AtomicInteger next = new AtomicInteger();

  protected SimulatedGenerator() {} // for CDI's proxy

  @Inject
  public SimulatedGenerator(Scheduling scheduling, Settings settings) {
    this.scheduling = scheduling;
    // One ticker per timer thread: each writes its generations' tokens to their clients inline,
    // so delivery spreads over as many cores as the timer pool has threads.
    this.tickers = new Ticker[Math.max(1, settings.timerThreads())];
    for (int i = 0; i < tickers.length; i++) {
      tickers[i] = new Ticker();
    }
  }

  @Override
  public void start(GenerationRequest request, TokenStream stream) {
    Simulation sim = request.simulation();
    String prompt = request.prompt();
    int natural = sim.length() > 0 ? sim.length() : SimulatedText.naturalLength(prompt, sim.seed());
    long periodNanos = Math.max(1, Math.round(1e9 / sim.tokensPerSecond()));
    Run run =
        new Run(
            stream,
            new SimulatedText(prompt, sim.seed(), sim.topicMax()),
            request.maxTokens(),
            natural,
            sim.failAfter(),
            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(sim.ttftMs()),
            periodNanos);
    stream.onCancel(run::stop);
    stream.reportUsage(new Usage(request.estimatedPromptTokens(), 0));
    tickers[Math.floorMod(next.getAndIncrement(), tickers.length)].add(run);
  }

  /** Writes the due tokens of its share of the generations, once a millisecond while any runs. */
  private final class Ticker {
    private final Queue<Run> starting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean ticking = new AtomicBoolean();
    // Read and written by this ticker only: each tick schedules the next, so ticks never overlap.
    private final PriorityQueue<Run> due =
        new PriorityQueue<>(Comparator.comparingLong((Run run) -> run.dueNanos));

    void add(Run run) {
      starting.add(run);
      if (ticking.compareAndSet(false, true)) {
        scheduleTick(0);
      }
    }

    private void scheduleTick(long delayNanos) {
      try {
        scheduling.timers().schedule(this::tick, delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException shuttingDown) {
        ticking.set(false);
      }
    }

    private void tick() {
      for (Run run; (run = starting.poll()) != null; ) {
        due.add(run);
      }
      long now = System.nanoTime();
      while (!due.isEmpty() && due.peek().dueNanos <= now) {
        Run run = due.poll();
        if (emitted(run)) {
          run.dueNanos += run.periodNanos; // fixed rate: a late tick does not shift later tokens
          due.add(run);
        }
      }
      if (!due.isEmpty() || !starting.isEmpty()) {
        scheduleTick(TICK_NANOS);
        return;
      }
      // Idle: stop, unless a generation started after the check above and saw us still ticking.
      ticking.set(false);
      if (!starting.isEmpty() && ticking.compareAndSet(false, true)) {
        scheduleTick(0);
      }
    }
  }

  /** One generation's next token; a failure ends that generation, never the ticker. */
  private static boolean emitted(Run run) {
    try {
      return run.emit();
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "a simulated generation failed; the others go on", e);
      run.stream.abort("model_error", "The simulated model failed.");
      return false;
    }
  }

  /** One generation: each due tick writes the next token, the last one ends the stream. */
  private static final class Run {
    private final TokenStream stream;
    private final SimulatedText text;
    private final int limit;
    private final FinishReason finish;
    private final int failAfter;
    private final long periodNanos;
    private long dueNanos;
    private int written;
    private volatile boolean stopped;

    Run(
        TokenStream stream,
        SimulatedText text,
        int maxTokens,
        int natural,
        int failAfter,
        long firstDueNanos,
        long periodNanos) {
      this.stream = stream;
      this.text = text;
      this.limit = Math.min(maxTokens, natural);
      this.finish = natural <= maxTokens ? FinishReason.STOP : FinishReason.LENGTH;
      this.failAfter = failAfter;
      this.dueNanos = firstDueNanos;
      this.periodNanos = periodNanos;
    }

    /** Writes the next token (or the failure); false once this generation is over. */
    boolean emit() {
      if (stopped) {
        return false;
      }
      if (failAfter > 0 && written == failAfter) {
        stream.fail(
            "model_error",
            "The simulated model failed after "
                + failAfter
                + " tokens, as asked by simulation.fail_after.");
        return false;
      }
      if (stream.append(text.next()) == 0) {
        return false; // the stream ended elsewhere (cancel, shutdown)
      }
      if (++written == limit) {
        stream.finish(finish);
        return false;
      }
      return true;
    }

    void stop() {
      stopped = true;
    }
  }
}
