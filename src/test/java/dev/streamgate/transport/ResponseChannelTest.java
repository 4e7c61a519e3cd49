package dev.streamgate.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The write-readiness state machine, with the container's side played by the test. */
class ResponseChannelTest {

  /** A servlet output stream whose socket is writable or full, as the test says. */
  static final class Socket extends ServletOutputStream {
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    boolean ready = true; // what isReady() answers
    boolean fullAfterWrite; // the next write fills the socket
    IOException failNext;
    WriteListener listener;
    int flushes;

    @Override
    public void write(int b) {
      written.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (!ready) {
        throw new IllegalStateException("written while not ready");
      }
      if (failNext != null) {
        throw failNext;
      }
      written.write(b, off, len);
      if (fullAfterWrite) {
        ready = false;
      }
    }

    @Override
    public void flush() {
      if (!ready) {
        throw new IllegalStateException("flushed while not ready");
      }
      flushes++;
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      this.listener = listener;
    }

    String text() {
      return written.toString(StandardCharsets.UTF_8);
    }
  }

  /** Records what one send heard. */
  static final class Sent implements Consumer<Throwable> {
    final List<Throwable> reports = new ArrayList<>();

    @Override
    public void accept(Throwable failure) {
      reports.add(failure);
    }

    boolean succeeded() {
      return reports.size() == 1 && reports.get(0) == null;
    }

    boolean failed() {
      return reports.size() == 1 && reports.get(0) != null;
    }
  }

  private final Socket socket = new Socket();
  private final AtomicInteger completes = new AtomicInteger();
  private final AtomicInteger releases = new AtomicInteger();
  private final HttpServletResponse response =
      proxy(
          HttpServletResponse.class,
          (method, args) -> method.equals("getOutputStream") ? socket : null);
  private final AsyncContext async =
      proxy(
          AsyncContext.class,
          (method, args) -> {
            if (method.equals("complete")) {
              completes.incrementAndGet();
            }
            return null;
          });
  private final ResponseChannel channel = open();

  private ResponseChannel open() {
    try {
      return ResponseChannel.open(async, response, releases::incrementAndGet);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void waitsForTheContainersFirstCallBeforeItWrites() {
    assertEquals(channel, socket.listener);
    Sent hello = new Sent();
    channel.send(bytes(": hello\n\n"), hello);
    assertEquals("", socket.text(), "Tomcat refuses a write before its first onWritePossible");
    assertTrue(hello.reports.isEmpty());

    channel.onWritePossible();
    assertEquals(": hello\n\n", socket.text());
    assertTrue(hello.succeeded());
  }

  @Test
  void writesInlineAndReportsAtOnceWhileTheSocketTakesTheBytes() {
    channel.onWritePossible();
    Sent first = new Sent();
    Sent second = new Sent();
    channel.send(bytes("one"), first);
    assertTrue(first.succeeded(), "reported before send returned");
    channel.send(bytes("two"), second);
    assertTrue(second.succeeded());
    assertEquals("onetwo", socket.text());
    assertEquals(2, socket.flushes);
  }

  @Test
  void aFullSocketParksTheSendUntilOnWritePossibleAndNothingIsWrittenMeanwhile() {
    channel.onWritePossible();
    socket.fullAfterWrite = true;
    Sent slow = new Sent();
    channel.send(bytes("big frame"), slow);
    assertTrue(slow.reports.isEmpty(), "not reported while the container holds the rest");

    Sent next = new Sent();
    channel.send(bytes("next"), next); // queued, not written: the socket is not ready
    assertEquals("big frame", socket.text());

    socket.ready = true;
    socket.fullAfterWrite = false;
    channel.onWritePossible();
    assertTrue(slow.succeeded());
    assertTrue(next.succeeded());
    assertEquals("big framenext", socket.text());
  }

  @Test
  void endCompletesOnlyOnceWhatWaitsHasGoneOut() {
    channel.onWritePossible();
    socket.fullAfterWrite = true;
    channel.send(bytes("last"), new Sent());
    channel.end();
    assertEquals(0, completes.get(), "completing now would cut the last frame");
    assertEquals(0, releases.get());

    socket.ready = true;
    channel.onWritePossible();
    assertEquals(1, completes.get());
    assertEquals(1, releases.get());
    assertTrue(channel.isOver());
  }

  @Test
  void dropCompletesAtOnceAndTellsTheStuckSenderItFailed() {
    channel.onWritePossible();
    socket.fullAfterWrite = true;
    Sent stuck = new Sent();
    channel.send(bytes("never read"), stuck);

    channel.drop();
    assertEquals(1, completes.get());
    assertTrue(stuck.failed());
    assertEquals(1, releases.get());

    socket.ready = true;
    channel.onWritePossible(); // late: nothing more happens
    assertEquals(1, stuck.reports.size());
  }

  @Test
  void afterTheContainerEndedTheRequestNothingIsWrittenOrCompleted() {
    channel.onWritePossible();
    socket.fullAfterWrite = true;
    Sent pending = new Sent();
    channel.send(bytes("a"), pending);

    channel.onError(new AsyncEvent(async, new IOException("Connection reset")));
    assertTrue(pending.failed(), "the waiting send hears the failure");
    assertEquals(1, releases.get());

    socket.ready = true;
    Sent late = new Sent();
    channel.send(bytes("late"), late);
    assertTrue(late.failed());
    channel.end();
    channel.drop();
    assertEquals("a", socket.text(), "a recycled response is never written");
    assertEquals(0, completes.get(), "nor completed: it may be someone else's now");
    assertEquals(1, releases.get(), "the slot goes back exactly once");
  }

  @Test
  void aWriteThatThrowsFailsTheSendAndEndsTheResponse() {
    channel.onWritePossible();
    socket.failNext = new IOException("Broken pipe");
    Sent sent = new Sent();
    channel.send(bytes("x"), sent);
    assertTrue(sent.failed());
    assertInstanceOf(IOException.class, sent.reports.get(0));
    assertEquals(1, completes.get());
    assertEquals(1, releases.get());
  }

  @Test
  void anAnswerThatGoesOutAtOnceIsNotSlow() {
    channel.onWritePossible();
    List<Throwable> failures = new ArrayList<>();
    boolean slow =
        channel.answer(
            r -> {
              r.setStatus(200);
              return bytes("{}");
            },
            failures::add);
    assertFalse(slow);
    assertEquals("{}", socket.text());
    assertEquals(1, completes.get());
    assertTrue(failures.isEmpty());
  }

  @Test
  void anAnswerToAClientThatStoppedReadingIsSlowUntilDropped() {
    channel.onWritePossible();
    socket.fullAfterWrite = true;
    List<Throwable> failures = new ArrayList<>();
    assertTrue(channel.answer(r -> bytes("{\"tokens\":[]}"), failures::add));
    assertEquals(0, completes.get());

    channel.drop();
    assertEquals(1, completes.get());
    assertEquals(1, failures.size());
  }

  @FunctionalInterface
  interface Answers {
    Object answer(String method, Object[] args);
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, Answers answers) {
    return (T)
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (self, method, args) -> {
              Object result = answers.answer(method.getName(), args);
              if (result == null && method.getReturnType() == boolean.class) {
                return false;
              }
              return result;
            });
  }
}
