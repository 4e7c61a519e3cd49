package dev.streamgate.web;

import dev.streamgate.generation.InvalidRequestException;
import dev.streamgate.stream.CapacityException;
import dev.streamgate.stream.StreamNotFoundException;
import dev.streamgate.stream.UnavailableException;
import io.micrometer.core.instrument.Metrics;
import jakarta.ws.rs.WebApplicationException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns any failure into the problem the client sees, the same on every transport. Unexpected
 * failures are logged here, once, and reach the client as a bare 500.
 */
public final class Problems {

  private static final Logger LOG = Logger.getLogger(Problems.class.getName());

  private Problems() {}

  /**
   * The problem a client is answered for {@code failure}, counted by its code as {@code
   * streamgate_errors_total} (every error answer, on every transport, comes through here once).
   */
  public static Problem of(Throwable failure) {
    Problem problem = map(failure);
    Metrics.counter("streamgate.errors", "code", problem.code()).increment();
    if (problem.status() < 500) { // 5xx are logged with their cause in map()
      LOG.info(() -> "refused: " + problem.status() + " " + problem.code());
    }
    return problem;
  }

  private static Problem map(Throwable failure) {
    if (failure instanceof ProblemException p) {
      return p.problem();
    }
    if (failure instanceof InvalidRequestException e) {
      return Problem.of(400, e.code(), e.getMessage(), e.param());
    }
    if (failure instanceof StreamNotFoundException e) {
      return Problem.of(404, e.isEvicted() ? "evicted" : "not_found", e.getMessage());
    }
    if (failure instanceof CapacityException e) {
      return Problem.of(429, "capacity_exceeded", e.getMessage());
    }
    if (failure instanceof UnavailableException e) {
      return Problem.of(503, e.code(), e.getMessage());
    }
    if (failure instanceof WebApplicationException e && e.getResponse().getStatus() < 500) {
      return forStatus(e.getResponse().getStatus());
    }
    LOG.log(Level.SEVERE, "unexpected failure", failure);
    return Problem.of(500, "internal_error", "An internal error occurred; it has been logged.");
  }

  /** Seconds the client should wait before retrying, or 0. */
  public static long retryAfter(Throwable failure) {
    if (failure instanceof ProblemException p) {
      return p.retryAfterSeconds();
    }
    if (failure instanceof UnavailableException e) {
      return e.retryAfterSeconds();
    }
    return failure instanceof CapacityException e ? e.retryAfterSeconds() : 0;
  }

  /** The problem for a bare HTTP status raised by the container or the framework. */
  public static Problem forStatus(int status) {
    return switch (status) {
      case 404 -> Problem.of(404, "not_found", "No such resource.");
      case 405 ->
          Problem.of(405, "method_not_allowed", "This resource does not support that method.");
      case 406 ->
          Problem.of(
              406,
              "not_acceptable",
              "This resource cannot produce the media type the Accept header asks for.");
      case 413 -> Problem.of(413, "body_too_large", "The request is too large.");
      case 415 ->
          Problem.of(
              415, "unsupported_media_type", "This resource does not accept that content type.");
      default ->
          status >= 500
              ? Problem.of(500, "internal_error", "An internal error occurred; it has been logged.")
              : Problem.of(status, "bad_request", "The request is not valid.");
    };
  }
}
