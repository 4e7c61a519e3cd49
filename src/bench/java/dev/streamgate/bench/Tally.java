package dev.streamgate.bench;

/** What one selector thread saw; merged after the run, so no field is shared while it runs. */
final class Tally {
  final Histogram lag = new Histogram();
  final Histogram ttft = new Histogram();
  long tokensInWindow;
  long framesInWindow;
  long streamsCompleted;
  long streamsVerified;
  long lost;
  long duplicated;
  long reordered;
  long textMismatches;
  long errors;
  long reconnects;
  long resumes; // in the window: streams dropped on purpose and resumed on another node
  long opened;
  String firstError;

  void error(String what) {
    errors++;
    if (firstError == null) {
      firstError = what;
    }
  }

  void add(Tally other) {
    lag.add(other.lag);
    ttft.add(other.ttft);
    tokensInWindow += other.tokensInWindow;
    framesInWindow += other.framesInWindow;
    streamsCompleted += other.streamsCompleted;
    streamsVerified += other.streamsVerified;
    lost += other.lost;
    duplicated += other.duplicated;
    reordered += other.reordered;
    textMismatches += other.textMismatches;
    errors += other.errors;
    reconnects += other.reconnects;
    resumes += other.resumes;
    opened += other.opened;
    if (firstError == null) {
      firstError = other.firstError;
    }
  }
}
