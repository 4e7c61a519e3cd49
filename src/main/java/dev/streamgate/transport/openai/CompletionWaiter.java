package dev.streamgate.transport.openai;

import dev.streamgate.stream.FinishReason;
import dev.streamgate.stream.Followers;
import dev.streamgate.stream.Terminal;
import dev.streamgate.stream.TokenStream;
import dev.streamgate.transport.ResponseChannel;
import dev.streamgate.web.OpenAiErrors;
import dev.streamgate.web.ProblemException;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A non-streamed completion: the request is parked (no thread held, one connection slot taken)
 * until the generation ends, then answered without blocking. A client that leaves stops listening,
 * so a generation nobody waits for counts as orphaned.
 */
final class CompletionWaiter implements Runnable {

  private static final Logger LOG = Logger.getLogger(CompletionWaiter.class.getName());

  private final TokenStream stream;
  private final Followers followers;
  private final AtomicBoolean answered = new AtomicBoolean();
  private ResponseChannel channel; // set before the waiter listens
  private boolean writesBlock; // likewise: the answer goes to blockingWrites (HTTP/2)

  private CompletionWaiter(TokenStream stream, Followers followers) {
    this.stream = stream;
    this.followers = followers;
  }

  /** Parks the request until {@code stream} ends; {@code release} runs once when it is over. */
  static void answerWhenDone(
      HttpServletRequest request,
      HttpServletResponse response,
      TokenStream stream,
      Followers followers,
      Runnable release)
      throws IOException {
    CompletionWaiter waiter = new CompletionWaiter(stream, followers);
    try {
      AsyncContext async = request.startAsync();
      async.setTimeout(0); // as long as the generation takes; max_tokens bounds it
      waiter.channel =
          ResponseChannel.open(
              async,
              response,
              () -> {
                stream.removeListener(waiter);
                release.run();
              });
    } catch (IOException | RuntimeException e) {
      release.run();
      throw e;
    }
    waiter.writesBlock = ResponseChannel.writesBlock(request);
    stream.addListener(waiter);
    waiter.run(); // it may have ended already
  }

  /** Called on the writer's thread; the answer goes out without blocking it (HTTP/2: elsewhere). */
  @Override
  public void run() {
    if (stream.isEnded() && answered.compareAndSet(false, true)) {
      stream.removeListener(this);
      if (writesBlock) {
        followers.blockingWrites().execute(this::answer);
      } else {
        answer();
      }
    }
  }

  private void answer() {
    boolean slow =
        channel.answer(
            this::prepare,
            failure -> LOG.log(Level.FINE, "client left before its completion", failure));
    if (slow) { // a client that stopped reading keeps its answer until the stuck timeout
      followers.dropIfStuck(channel::drop, writesBlock);
    }
  }

  private byte[] prepare(HttpServletResponse response) {
    Terminal end = stream.terminal();
    if (end.isError()) {
      return OpenAiErrors.prepare(
          response, new ProblemException(500, end.errorCode(), end.errorMessage()));
    }
    if (end.reason() == FinishReason.CANCELLED) {
      return OpenAiErrors.prepare(
          response, new ProblemException(409, "cancelled", end.cancelledMessage()));
    }
    OpenAiChunks chunks =
        new OpenAiChunks(stream.id(), stream.createdAtMillis() / 1000, stream.model());
    byte[] body =
        chunks.completion(stream.text(), end, stream.usageSoFar()).getBytes(StandardCharsets.UTF_8);
    response.setContentType("application/json");
    response.setContentLength(body.length);
    return body;
  }
}
