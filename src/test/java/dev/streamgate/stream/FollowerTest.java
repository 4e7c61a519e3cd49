package dev.streamgate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class FollowerTest {

  /** Records writes and lets the test decide when each one finishes. */
  static final class RecordingSink implements FrameSink {
    final List<Slice> writes = new ArrayList<>();
    final List<Consumer<Throwable>> pending = new ArrayList<>();
    int keepalives;
    boolean closed;
    boolean aborted;
    boolean completeAtOnce;

    @Override
    public void write(Slice slice, Consumer<Throwable> written) {
      writes.add(slice);
      if (completeAtOnce) {
        written.accept(null);
      } else {
        pending.add(written);
      }
    }

    @Override
    public void keepalive(Consumer<Throwable> written) {
      keepalives++;
      written.accept(null);
    }

    @Override
    public void close() {
      closed = true;
    }

    @Override
    public void abort() {
      aborted = true;
    }

    void finishNext(Throwable failure) {
      pending.remove(0).accept(failure);
    }

    String text() {
      StringBuilder all = new StringBuilder();
      writes.forEach(slice -> all.append(slice.text()));
      return all.toString();
    }
  }

  private final TokenStream stream = new TokenStream("gen_test", "simulated");
  private final RecordingSink sink = new RecordingSink();

  private Follower follow(long after) {
    Follower follower = new Follower(stream, after, sink, Runnable::run, true);
    follower.start();
    return follower;
  }

  @Test
  void deliversEveryTokenThenTheEndAndLetsGo() {
    sink.completeAtOnce = true;
    Follower follower = follow(0);
    for (String token : List.of("Hello", ",", " world")) {
      stream.append(token);
    }
    stream.finish(FinishReason.STOP);
    assertEquals("Hello, world", sink.text());
    assertEquals(
        4, sink.writes.size(), "one frame per token while the client keeps up, then the end");
    assertEquals(FinishReason.STOP, sink.writes.get(3).terminal().reason());
    assertTrue(sink.closed);
    assertTrue(follower.isClosed());
    assertEquals(3, follower.cursor());
    assertEquals(0, stream.listenerCount());
  }

  @Test
  void slowClientGetsCoalescedFrames() {
    follow(0);
    stream.append("a");
    for (int i = 0; i < 9; i++) {
      stream.append("b");
    }
    assertEquals(1, sink.writes.size(), "no second write while the first is in flight");
    sink.finishNext(null);
    assertEquals(2, sink.writes.size());
    Slice coalesced = sink.writes.get(1);
    assertEquals(2, coalesced.firstSeq());
    assertEquals(10, coalesced.lastSeq());
    assertEquals("bbbbbbbbb", coalesced.text());
  }

  @Test
  void startsRightAfterTheCursor() {
    for (int i = 1; i <= 10; i++) {
      stream.append("t" + i);
    }
    follow(4);
    assertEquals(5, sink.writes.get(0).firstSeq());
    assertEquals(10, sink.writes.get(0).lastSeq());
  }

  @Test
  void aFinishedStreamResumedAtItsEndGetsOnlyTheEnd() {
    stream.append("x");
    stream.finish(FinishReason.LENGTH);
    sink.completeAtOnce = true;
    follow(1);
    assertEquals(1, sink.writes.size());
    assertTrue(sink.writes.get(0).texts().isEmpty());
    assertEquals(FinishReason.LENGTH, sink.writes.get(0).terminal().reason());
  }

  @Test
  void failedWriteClosesTheFollowerAndKeepsTheCursorBeforeIt() {
    Follower follower = follow(0);
    stream.append("a");
    sink.finishNext(null);
    stream.append("b");
    sink.finishNext(new IOException("Broken pipe"));
    assertTrue(follower.isClosed());
    assertEquals(1, follower.cursor(), "the client never got seq 2; it resumes after 1");
    assertEquals(0, stream.listenerCount());
    stream.append("c");
    assertEquals(2, sink.writes.size(), "a closed follower writes nothing more");
  }

  @Test
  void aWriteThatDoesNotFinishIsStuck() {
    Follower follower = follow(0);
    stream.append("a");
    long limit = TimeUnit.SECONDS.toNanos(30);
    long now = System.nanoTime();
    assertFalse(follower.isStuck(now, limit));
    assertTrue(follower.isStuck(now + limit + TimeUnit.SECONDS.toNanos(1), limit));
    sink.finishNext(null);
    assertFalse(follower.isStuck(now + 2 * limit, limit), "nothing in flight");
    follower.abort();
    assertTrue(sink.aborted);
    assertFalse(sink.closed);
  }

  @Test
  void keepaliveGoesOutOnlyWhenIdleAndNothingIsInFlight() {
    Follower follower = follow(0);
    long idle = TimeUnit.SECONDS.toNanos(15);
    follower.keepaliveIfIdle(System.nanoTime(), idle);
    assertEquals(0, sink.keepalives, "not idle yet");
    follower.keepaliveIfIdle(System.nanoTime() + idle + 1, idle);
    assertEquals(1, sink.keepalives);
    stream.append("a");
    follower.keepaliveIfIdle(System.nanoTime() + 3 * idle, idle);
    assertEquals(1, sink.keepalives, "a token write is in flight");
    assertNull(sink.writes.get(0).terminal());
  }

  @Test
  void writesOnTheAppendingThreadWhileTheClientKeepsUp() {
    List<Runnable> handedOff = new ArrayList<>();
    sink.completeAtOnce = true;
    Follower follower = new Follower(stream, 0, sink, handedOff::add, true);
    follower.start();
    Thread appender = Thread.currentThread();
    List<Thread> writers = new ArrayList<>();
    stream.addListener(() -> writers.add(Thread.currentThread()));
    stream.append("a");
    stream.append("b");
    assertEquals("ab", sink.text());
    assertEquals(List.of(appender, appender), writers);
    assertTrue(handedOff.isEmpty(), "no hand-off while every write finishes at once");
  }

  @Test
  void aClientThatFellBehindIsHandedToTheWorkerWhichSendsWhatPiledUpInOneFrame() {
    List<Runnable> handedOff = new ArrayList<>();
    Follower follower = new Follower(stream, 0, sink, handedOff::add, true);
    follower.start();
    stream.append("a"); // written inline; the sink holds it (the socket is full)
    stream.append("b");
    stream.append("c");
    assertEquals(1, sink.writes.size());
    sink.finishNext(null); // the container's onWritePossible, on its own thread
    assertEquals(1, handedOff.size(), "the rest goes to the worker, not the container's thread");
    assertEquals(1, sink.writes.size());
    handedOff.remove(0).run();
    assertEquals(2, sink.writes.size());
    assertEquals("bc", sink.writes.get(1).text());
    assertEquals(1, follower.cursor());
  }

  @Test
  void byDefaultEveryNewTokenGoesToTheWorker() {
    List<Runnable> handedOff = new ArrayList<>();
    sink.completeAtOnce = true;
    Follower follower = new Follower(stream, 0, sink, handedOff::add, false);
    follower.start();
    stream.append("a");
    assertTrue(sink.writes.isEmpty(), "the appending thread does not write");
    assertEquals(1, handedOff.size());
    stream.append("b"); // the worker has not run yet: this one waits for it, coalesced
    assertEquals(1, handedOff.size());
    handedOff.remove(0).run();
    assertEquals("ab", sink.text());
    assertEquals(1, sink.writes.size());
    assertEquals(2, follower.cursor());
  }

  /**
   * A client whose writes may block the writing thread (HTTP/2 on Tomcat): nothing reaches its sink
   * on the thread that appends, opens or drops; only on the worker, here a queue the test runs.
   */
  @Test
  void aSinkWhoseWritesBlockIsOnlyEverCalledOnTheWorker() {
    List<Runnable> worker = new ArrayList<>();
    sink.completeAtOnce = true;
    Follower follower =
        new Follower(stream, 0, sink, worker::add, true, Delivery.NONE, true); // inline asked
    follower.start();
    stream.append("one");
    assertEquals(List.of(), sink.writes, "not on the thread that started it or appended");
    assertEquals(1, worker.size(), "the open, then what follows it, as one task");
    worker.remove(0).run();
    assertEquals("one", sink.text());

    stream.append(" two");
    assertEquals("one", sink.text(), "inline writes are off for such a client");
    worker.remove(0).run();
    assertEquals("one two", sink.text());

    follower.abort(Delivery.STUCK);
    assertFalse(sink.aborted, "the drop waits for the blocked write, on the worker");
    worker.remove(0).run();
    assertTrue(sink.aborted);
    assertTrue(worker.isEmpty());
  }
}
