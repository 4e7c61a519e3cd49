package dev.streamgate.transport.poll;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.security.Caller;
import dev.streamgate.security.Limits;
import dev.streamgate.stream.Followers;
import dev.streamgate.stream.Slice;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.GenerationRoutes;
import dev.streamgate.transport.Methods;
import dev.streamgate.transport.Streams;
import dev.streamgate.web.Cursors;
import dev.streamgate.web.Problem;
import dev.streamgate.web.ProblemException;
import dev.streamgate.web.ProblemResponses;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /api/generations/{id}/poll?after=n&wait=s}: every token after {@code n} at once if
 * there are any, else the request is parked (no thread held) until the next token, the end, or
 * {@code wait} seconds (default 25, at most 60) pass, which answers an empty list. Every answer
 * goes out without blocking a thread on the client.
 */
public class PollServlet extends HttpServlet {

  static final String NAME = "poll";
  static final int DEFAULT_WAIT_SECONDS = 25;
  static final int MAX_WAIT_SECONDS = 60;
  static final int MAX_TOKENS_PER_ANSWER = 8192;

  @Inject Streams streams;
  @Inject Scheduling scheduling;
  @Inject Limits limits;
  @Inject Followers followers;

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    try {
      Methods.require("GET", request, response);
      Caller caller = Caller.of(request);
      TokenStream stream = streams.find(caller, GenerationRoutes.idOf(request));
      long after = Cursors.parse(request.getParameter("after"), "after", stream);
      int wait = waitSeconds(request.getParameter("wait"));
      if (wait == 0 || stream.hasAfter(after)) {
        PollWaiter.answerNow(request, response, stream, after, followers, streams.delivery(NAME));
        return;
      }
      Runnable pollSlot = limits.parkPoll(stream.id());
      Runnable connection;
      try {
        connection = streams.slot(caller);
      } catch (RuntimeException refused) {
        pollSlot.run();
        throw refused;
      }
      PollWaiter.park(
          request,
          response,
          stream,
          after,
          wait,
          scheduling,
          followers,
          streams.delivery(NAME),
          () -> {
            pollSlot.run();
            connection.run();
          });
    } catch (RuntimeException e) {
      if (!request.isAsyncStarted()) {
        ProblemResponses.write(response, e);
      }
    }
  }

  static int waitSeconds(String raw) {
    if (raw == null || raw.isEmpty()) {
      return DEFAULT_WAIT_SECONDS;
    }
    String text = raw.trim();
    if (text.matches("[0-9]{1,9}")) { // no sign, no non-ASCII digit (Integer.parseInt takes both)
      int wait = Integer.parseInt(text);
      if (wait <= MAX_WAIT_SECONDS) {
        return wait;
      }
    }
    throw new ProblemException(
        Problem.of(
            400,
            "invalid_wait",
            "wait must be a whole number of seconds from 0 to " + MAX_WAIT_SECONDS + ".",
            "wait"));
  }

  /** Sets the answer's status and headers; returns its body. */
  static byte[] prepare(HttpServletResponse response, Slice slice) {
    byte[] body = PollResponses.of(slice).getBytes(StandardCharsets.UTF_8);
    response.setStatus(200);
    response.setContentType("application/json");
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(body.length);
    return body;
  }
}
