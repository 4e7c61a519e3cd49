package dev.streamgate.generation;

import dev.streamgate.runtime.Scheduling;
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
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The embedded default model: deterministic text for (prompt, seed), first token after {@code
 * ttft_ms}, then {@code tokens_per_second}, so token k is due at start + ttft + (k-1)/rate. One
 * ticker on the shared timer pool writes every due token, once a millisecond while any generation
 * runs: starting a generation only enqueues it, so thousands of generations neither fight over the
 * timer pool's queue lock nor cost a timer entry each.
 */
@ApplicationScoped
public class SimulatedGenerator implements Generator {

  public static final String MODEL = "simulated";
  private static final Logger LOG = Logger.getLogger(SimulatedGenerator.class.getName());
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private Scheduling scheduling;
  private final Queue<Run> starting = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean ticking = new AtomicBoolean();
  // Read and written by the ticker only: each tick schedules the next, so ticks never overlap.
  private final PriorityQueue<Run> due =
      new PriorityQueue<>(Comparator.comparingLong((Run run) -> run.dueNanos));

  protected SimulatedGenerator() {} // for CDI's proxy

  @Inject
  public SimulatedGenerator(Scheduling scheduling) {
    this.scheduling = scheduling;
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
            new SimulatedText(prompt, sim.seed()),
            request.maxTokens(),
            natural,
            sim.failAfter(),
            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(sim.ttftMs()),
            periodNanos);
    stream.onCancel(run::stop);
    stream.reportUsage(new Usage(request.estimatedPromptTokens(), 0));
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

  /** Writes every token that is due, then comes back in a millisecond while anything runs. */
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
