package dev.streamgate.transport.openai;

import dev.streamgate.generation.GenerationRequest;
import dev.streamgate.generation.GenerationService;
import dev.streamgate.generation.InvalidRequestException;
import dev.streamgate.generation.TraceContext;
import dev.streamgate.runtime.Settings;
import dev.streamgate.security.Caller;
import dev.streamgate.stream.Followers;
import dev.streamgate.stream.OnDisconnect;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.EventStream;
import dev.streamgate.transport.Methods;
import dev.streamgate.transport.ResponseChannel;
import dev.streamgate.transport.Streams;
import dev.streamgate.web.Cursors;
import dev.streamgate.web.Json;
import dev.streamgate.web.JsonBodies;
import dev.streamgate.web.OpenAiErrors;
import dev.streamgate.web.ProblemException;
import dev.streamgate.web.Routes;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * OpenAI's API under {@code /v1}: {@code POST /v1/chat/completions} (streamed or not), {@code GET
 * /v1/chat/completions/{id}} (resume a stream with {@code Last-Event-ID}, or the finished
 * completion), and {@code GET /v1/models}. Every completion is also a StreamGate generation.
 */
@WebServlet(urlPatterns = "/v1/*", asyncSupported = true)
public class OpenAiServlet extends HttpServlet {

  static final String GENERATION_HEADER = "X-StreamGate-Generation";
  static final String ON_DISCONNECT_HEADER = "X-StreamGate-On-Disconnect";
  private static final String COMPLETIONS = "/chat/completions";

  @Inject GenerationService generations;
  @Inject Streams streams;
  @Inject Followers followers;
  @Inject Settings settings;

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String path = request.getPathInfo() == null ? "" : request.getPathInfo();
    String completion = Routes.generationOf("/v1" + path); // GET /v1/chat/completions/{id}
    try {
      if (path.equals(COMPLETIONS)) {
        Methods.require("POST", request, response);
        create(request, response);
      } else if (completion != null) {
        Methods.require("GET", request, response);
        Caller caller = Caller.of(request);
        TokenStream stream = streams.find(caller, completion);
        if (wantsEvents(request)) {
          long cursor =
              Cursors.resume(
                  request.getHeader("Last-Event-ID"), request.getParameter("after"), stream);
          boolean usage = "true".equals(request.getParameter("include_usage"));
          stream(request, response, stream, cursor, usage, streams.slot(caller));
        } else {
          waitForCompletion(request, response, stream, streams.slot(caller));
        }
      } else if (path.equals("/models")) {
        Methods.require("GET", request, response);
        models(response);
      } else {
        throw new ProblemException(404, "not_found", "No such endpoint: /v1" + clip(path) + ".");
      }
    } catch (RuntimeException e) {
      if (!response.isCommitted()) {
        OpenAiErrors.write(response, e);
      }
    }
  }

  private void create(HttpServletRequest request, HttpServletResponse response) throws IOException {
    OpenAiRequests.ChatRequest chat =
        OpenAiRequests.read(JsonBodies.read(request.getInputStream(), settings.maxBodyBytes()));
    GenerationRequest generation =
        chat.generation()
            .orOnDisconnect(onDisconnect(request))
            .inTrace(
                TraceContext.of(request.getHeader("traceparent"), request.getHeader("tracestate")));
    Streams.Held held = streams.startHeld(Caller.of(request), generation);
    TokenStream stream = held.stream();
    Runnable release = held.slot();
    if (chat.stream()) {
      stream(request, response, stream, 0, chat.includeUsage(), release);
    } else {
      response.setHeader(GENERATION_HEADER, stream.id());
      waitForCompletion(request, response, stream, release);
    }
  }

  private void stream(
      HttpServletRequest request,
      HttpServletResponse response,
      TokenStream stream,
      long after,
      boolean includeUsage,
      Runnable release)
      throws IOException {
    response.setHeader(GENERATION_HEADER, stream.id());
    EventStream events = EventStream.start(request, response, release);
    OpenAiChunks chunks =
        new OpenAiChunks(stream.id(), stream.createdAtMillis() / 1000, stream.model());
    streams.follow(
        stream,
        after,
        new OpenAiSink(events, chunks, stream, includeUsage, after),
        "openai",
        ResponseChannel.writesBlock(request));
  }

  private void waitForCompletion(
      HttpServletRequest request,
      HttpServletResponse response,
      TokenStream stream,
      Runnable release)
      throws IOException {
    CompletionWaiter.answerWhenDone(request, response, stream, followers, release);
  }

  private void models(HttpServletResponse response) throws IOException {
    StringBuilder json = new StringBuilder("{\"object\":\"list\",\"data\":[");
    for (String model : generations.models()) {
      if (json.charAt(json.length() - 1) != '[') {
        json.append(',');
      }
      Json.quote(json.append("{\"id\":"), model)
          .append(",\"object\":\"model\",\"created\":0,\"owned_by\":\"streamgate\"}");
    }
    byte[] body = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    response.setContentType("application/json");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /**
   * {@code X-StreamGate-On-Disconnect}, else {@code cancel}: an SDK cannot resume, so a stream no
   * one reads is waste. The request's own {@code on_disconnect} field wins over both.
   */
  private static OnDisconnect onDisconnect(HttpServletRequest request) {
    String header = request.getHeader(ON_DISCONNECT_HEADER);
    if (header == null) {
      return OnDisconnect.CANCEL;
    }
    OnDisconnect policy = OnDisconnect.ofWire(header.trim());
    if (policy == null) {
      throw new InvalidRequestException(
          "invalid_request",
          "on_disconnect",
          ON_DISCONNECT_HEADER + " must be \"cancel\" or \"keep\".");
    }
    return policy;
  }

  private static boolean wantsEvents(HttpServletRequest request) {
    String accept = request.getHeader("Accept");
    return accept != null && accept.contains("text/event-stream");
  }

  private static String clip(String text) {
    return text.length() <= 64 ? text : text.substring(0, 64) + "…";
  }
}
