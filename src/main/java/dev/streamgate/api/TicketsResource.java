package dev.streamgate.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamgate.runtime.Settings;
import dev.streamgate.security.AccessPolicy;
import dev.streamgate.security.Caller;
import dev.streamgate.transport.Streams;
import dev.streamgate.web.JsonBodies;
import dev.streamgate.web.Problem;
import dev.streamgate.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;

/**
 * {@code POST /api/tickets {"generation":"gen_…"}}: a short-lived ticket for a browser to read (and
 * cancel) one of the caller's generations with EventSource or WebSocket, which cannot send an
 * {@code Authorization} header. The ticket goes in the URL; the key never does.
 */
@Path("tickets")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
public class TicketsResource {

  @Inject AccessPolicy access;
  @Inject Streams streams;
  @Inject Settings settings;

  public record Ticket(String ticket, String generation, long expiresIn) {}

  @POST
  public Response issue(InputStream body, @Context HttpServletRequest http) {
    JsonNode request = JsonBodies.read(body, settings.maxBodyBytes());
    JsonNode generation = request.path("generation");
    if (!generation.isTextual()) {
      throw new ProblemException(
          Problem.of(
              400,
              "invalid_request",
              "generation must be the id of one of your generations.",
              "generation"));
    }
    Caller caller = Caller.of(http);
    String id = streams.find(caller, generation.asText()).id();
    return Response.status(201)
        .entity(new Ticket(access.ticketFor(id, caller), id, access.ticketTtlSeconds()))
        .build();
  }
}
