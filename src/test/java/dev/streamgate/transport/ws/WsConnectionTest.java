package dev.streamgate.transport.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WsConnectionTest {

  /**
   * A session whose async sends finish later on another thread, and which counts a send that starts
   * while another is in flight: what Tomcat refuses with TEXT_FULL_WRITING.
   */
  private static final class SlowSession {
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger overlaps = new AtomicInteger();
    final List<String> sent = Collections.synchronizedList(new ArrayList<>());
    final ExecutorService network = Executors.newSingleThreadExecutor();

    Session session() {
      RemoteEndpoint.Async remote =
          (RemoteEndpoint.Async)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {RemoteEndpoint.Async.class},
                  (proxy, method, args) -> {
                    if (method.getName().equals("sendText") && args.length == 2) {
                      if (inFlight.incrementAndGet() > 1) {
                        overlaps.incrementAndGet();
                      }
                      sent.add((String) args[0]);
                      network.execute(
                          () -> {
                            inFlight.decrementAndGet();
                            ((SendHandler) args[1]).onResult(new SendResult());
                          });
                      return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                  });
      return (Session)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {Session.class},
              (proxy, method, args) -> {
                if (method.getName().equals("getAsyncRemote")) {
                  return remote;
                }
                throw new UnsupportedOperationException(method.getName());
              });
    }
  }

  @Test
  void concurrentSendsToOneClientNeverOverlapAndAllArrive() throws Exception {
    SlowSession slow = new SlowSession();
    WsConnection connection = new WsConnection(slow.session());
    int threads = 8;
    int perThread = 500;
    CountDownLatch delivered = new CountDownLatch(threads * perThread);
    ExecutorService senders = Executors.newFixedThreadPool(threads);
    try {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        senders.execute(
            () -> {
              for (int i = 0; i < perThread; i++) {
                connection.send(
                    "{\"t\":" + thread + ",\"i\":" + i + "}", failure -> delivered.countDown());
              }
            });
      }
      assertTrue(delivered.await(60, TimeUnit.SECONDS), "every frame was sent");
    } finally {
      senders.shutdownNow();
      slow.network.shutdownNow();
    }
    assertEquals(0, slow.overlaps.get(), "a send started while another was in flight");
    assertEquals(threads * perThread, slow.sent.size());
    for (int t = 0; t < threads; t++) {
      String prefix = "{\"t\":" + t + ",";
      List<String> mine = slow.sent.stream().filter(frame -> frame.startsWith(prefix)).toList();
      for (int i = 0; i < perThread; i++) {
        assertEquals(prefix + "\"i\":" + i + "}", mine.get(i), "one sender's frames stay in order");
      }
    }
  }
}
