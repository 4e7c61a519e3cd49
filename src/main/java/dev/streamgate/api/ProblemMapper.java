package dev.streamgate.api;

import dev.streamgate.web.Problem;
import dev.streamgate.web.Problems;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Every failure under {@code /api} reaches the client as {@code application/problem+json}. */
@Provider
public class ProblemMapper implements ExceptionMapper<Throwable> {

  @Override
  public Response toResponse(Throwable failure) {
    Problem problem = Problems.of(failure);
    Response.ResponseBuilder response =
        Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem);
    long retryAfter = Problems.retryAfter(failure);
    if (retryAfter > 0) {
      response.header("Retry-After", retryAfter);
    }
    return response.build();
  }
}
