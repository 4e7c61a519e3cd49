package dev.streamgate.transport.openai;

import dev.streamgate.api.ProblemException;
import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.Terminal;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.AsyncGuard;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/** A non-streamed completion: the request is parked (no thread held) until the generation ends. */
final class CompletionWaiter implements Runnable {

  private static final Logger LOG = Logger.getLogger(CompletionWaiter.class.getName());

  private final AsyncContext async;
  private final AsyncGuard guard;
  private final TokenStream stream;
  private final AtomicBoolean answered = new AtomicBoolean();

  private CompletionWaiter(AsyncContext async, TokenStream stream) {
    this.async = async;
    this.guard = AsyncGuard.on(async);
    this.stream = stream;
  }

  static void answerWhenDone(AsyncContext async, TokenStream stream) {
    async.setTimeout(0); // as long as the generation takes; max_tokens bounds it
    CompletionWaiter waiter = new CompletionWaiter(async, stream);
    stream.addListener(waiter);
    waiter.run(); // it may have ended already
  }

  /** Called on the writer's thread: hand the answer to a container thread, never write here. */
  @Override
  public void run() {
    if (stream.isEnded() && answered.compareAndSet(false, true)) {
      stream.removeListener(this);
      async.start(this::answer);
    }
  }

  private void answer() {
    try {
      guard.write(() -> respond((HttpServletResponse) async.getResponse()));
    } catch (IOException | IllegalStateException e) {
      LOG.log(Level.FINE, "client left before its completion", e);
    } finally {
      guard.complete();
    }
  }

  private void respond(HttpServletResponse response) throws IOException {
    Terminal end = stream.terminal();
    if (end.isError()) {
      OpenAiErrors.write(response, new ProblemException(500, end.errorCode(), end.errorMessage()));
    } else if (end.reason() == FinishReason.CANCELLED) {
      OpenAiErrors.write(
          response, new ProblemException(409, "cancelled", "The generation was cancelled."));
    } else {
      OpenAiChunks chunks =
          new OpenAiChunks(stream.id(), stream.createdAtMillis() / 1000, stream.model());
      byte[] body =
          chunks
              .completion(stream.text(), end, OpenAiChunks.usageOf(stream.usage(), end.tokens()))
              .getBytes(StandardCharsets.UTF_8);
      response.setContentType("application/json");
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
    }
  }
}
