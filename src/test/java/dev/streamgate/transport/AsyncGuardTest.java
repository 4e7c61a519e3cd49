package dev.streamgate.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AsyncGuardTest {

  /** An AsyncContext that only counts {@code complete()} calls. */
  private final AtomicInteger completes = new AtomicInteger();

  private final AsyncContext async =
      (AsyncContext)
          Proxy.newProxyInstance(
              AsyncContext.class.getClassLoader(),
              new Class<?>[] {AsyncContext.class},
              (proxy, method, args) -> {
                if (method.getName().equals("complete")) {
                  completes.incrementAndGet();
                }
                return null;
              });

  private final AsyncGuard guard = AsyncGuard.on(async);

  @Test
  void writesAndCompletesOnce() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AtomicReference<Throwable> result = new AtomicReference<>(new AssertionError("not called"));

    guard.flush(out, "data: é\n\n", result::set);
    guard.complete();
    guard.complete();

    assertNull(result.get());
    assertEquals("data: é\n\n", out.toString(java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(1, completes.get());
    assertFalse(guard.write(() -> out.write('x')), "nothing is written after complete()");
  }

  @Test
  void afterTheContainerEndedTheRequestNothingIsWrittenOrCompleted() throws IOException {
    guard.onError(new AsyncEvent(async, new IOException("Broken pipe")));
    AtomicReference<Throwable> result = new AtomicReference<>();

    guard.flush(failingStream(), "data: late\n\n", result::set);
    guard.complete();
    guard.completeSoon();

    assertInstanceOf(IOException.class, result.get());
    assertEquals("the client's request has ended", result.get().getMessage());
    assertEquals(0, completes.get(), "the container completes a request it ended itself");
  }

  @Test
  void aFailedOrRecycledStreamIsReportedNotThrown() {
    AtomicReference<Throwable> result = new AtomicReference<>();

    guard.flush(
        new OutputStream() {
          @Override
          public void write(int b) {
            throw new NullPointerException("recycled");
          }

          @Override
          public void write(byte[] b, int off, int len) {
            throw new NullPointerException("recycled");
          }
        },
        "data: x\n\n",
        result::set);

    assertInstanceOf(NullPointerException.class, result.get());
  }

  @Test
  void theContainersCallbackWaitsForAWriteInProgress() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Boolean> write =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return guard.write(
                    () -> {
                      writing.countDown();
                      await(release);
                    });
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    assertTrue(writing.await(10, TimeUnit.SECONDS));

    CompletableFuture<Void> onComplete =
        CompletableFuture.runAsync(() -> guard.onComplete(new AsyncEvent(async)));
    // while the write holds the guard the container's callback waits (and cannot recycle)
    assertThrows(TimeoutException.class, () -> onComplete.get(200, TimeUnit.MILLISECONDS));
    release.countDown();

    assertTrue(write.get(10, TimeUnit.SECONDS));
    onComplete.get(10, TimeUnit.SECONDS);
    assertFalse(guard.write(() -> {}), "over once the container's callback ran");
  }

  @Test
  void completeSoonDoesNotWaitForAStuckWriteAndCompletesWhenItReturns() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Void> write =
        CompletableFuture.runAsync(
            () -> {
              try {
                guard.write(
                    () -> {
                      writing.countDown();
                      await(release);
                      throw new IOException("write timed out");
                    });
              } catch (IOException expected) {
                // the stuck client's write fails in the end
              }
            });
    assertTrue(writing.await(10, TimeUnit.SECONDS));

    guard.completeSoon(); // returns although the write holds the guard
    assertEquals(0, completes.get());

    release.countDown();
    write.get(10, TimeUnit.SECONDS);
    assertEquals(1, completes.get(), "completed as the stuck write returned");
  }

  @Test
  void completeSoonCompletesAtOnceWhenNoWriteIsInProgress() {
    guard.completeSoon();

    assertEquals(1, completes.get());
  }

  private static OutputStream failingStream() {
    return new OutputStream() {
      @Override
      public void write(int b) {
        throw new AssertionError("must not be written");
      }
    };
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
