package dev.streamgate.web;

/** A request the API refuses, with the status and problem it answers. */
public class ProblemException extends RuntimeException {
  private final Problem problem;
  private final long retryAfterSeconds;

  public ProblemException(int status, String code, String detail) {
    this(Problem.of(status, code, detail));
  }

  public ProblemException(Problem problem) {
    this(problem, 0);
  }

  /** A refusal the client may retry after {@code retryAfterSeconds} (429, 503). */
  public ProblemException(Problem problem, long retryAfterSeconds) {
    super(problem.detail());
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public Problem problem() {
    return problem;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
