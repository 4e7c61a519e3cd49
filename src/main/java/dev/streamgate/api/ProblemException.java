package dev.streamgate.api;

/** A request the API refuses, with the status and problem it answers. */
public class ProblemException extends RuntimeException {
  private final Problem problem;

  public ProblemException(int status, String code, String detail) {
    this(Problem.of(status, code, detail));
  }

  public ProblemException(Problem problem) {
    super(problem.detail());
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }
}
