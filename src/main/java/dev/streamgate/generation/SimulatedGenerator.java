package dev.streamgate.generation;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.stream.Usage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The embedded default model: deterministic text for (prompt, seed), first token after {@code
 * ttft_ms}, then {@code tokens_per_second}. Every generation is one fixed-rate task on the shared
 * timer pool, so token k is due at start + ttft + (k-1)/rate and a thousand generations cost a
 * thousand small timer entries, not a thousand threads.
 */
@ApplicationScoped
public class SimulatedGenerator implements Generator {

  public static final String MODEL = "simulated";

  private Scheduling scheduling;

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
    Run run =
        new Run(
            stream,
            new SimulatedText(prompt, sim.seed()),
            request.maxTokens(),
            natural,
            sim.failAfter());
    stream.onCancel(run::stop);
    stream.reportUsage(new Usage(request.estimatedPromptTokens(), 0));
    long periodNanos = Math.max(1, Math.round(1e9 / sim.tokensPerSecond()));
    ScheduledExecutorService timers = scheduling.timers();
    run.scheduled(
        timers.scheduleAtFixedRate(
            run, TimeUnit.MILLISECONDS.toNanos(sim.ttftMs()), periodNanos, TimeUnit.NANOSECONDS));
  }

  /** One generation: each tick writes the next token, the last one ends the stream. */
  private static final class Run implements Runnable {
    private final TokenStream stream;
    private final SimulatedText text;
    private final int limit;
    private final FinishReason finish;
    private final int failAfter;
    private int written;
    private volatile boolean stopped;
    private volatile ScheduledFuture<?> future;

    Run(TokenStream stream, SimulatedText text, int maxTokens, int natural, int failAfter) {
      this.stream = stream;
      this.text = text;
      this.limit = Math.min(maxTokens, natural);
      this.finish = natural <= maxTokens ? FinishReason.STOP : FinishReason.LENGTH;
      this.failAfter = failAfter;
    }

    void scheduled(ScheduledFuture<?> scheduled) {
      future = scheduled;
      if (stopped) {
        scheduled.cancel(false); // stopped before we knew the future
      }
    }

    @Override
    public void run() {
      if (stopped) {
        return;
      }
      if (failAfter > 0 && written == failAfter) {
        stream.fail(
            "model_error",
            "The simulated model failed after "
                + failAfter
                + " tokens, as asked by simulation.fail_after.");
        stop();
        return;
      }
      if (stream.append(text.next()) == 0) {
        stop(); // the stream ended elsewhere (cancel, shutdown)
        return;
      }
      if (++written == limit) {
        stream.finish(finish);
        stop();
      }
    }

    void stop() {
      stopped = true;
      ScheduledFuture<?> scheduled = future;
      if (scheduled != null) {
        scheduled.cancel(false);
      }
    }
  }
}
