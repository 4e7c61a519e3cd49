package dev.streamgate.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SchedulingTest {

  @Test
  void aRepeatingTaskThatThrowsKeepsItsSchedule() throws Exception {
    Scheduling scheduling = new Scheduling(new Settings(Map.<String, String>of()::get));
    scheduling.start();
    try {
      AtomicInteger runs = new AtomicInteger();
      CountDownLatch thirdRun = new CountDownLatch(3);
      scheduling
          .timers()
          .scheduleWithFixedDelay(
              () -> {
                thirdRun.countDown();
                if (runs.incrementAndGet() == 1) {
                  throw new IllegalStateException("the first sweep fails");
                }
              },
              0,
              1,
              TimeUnit.MILLISECONDS);
      assertTrue(thirdRun.await(30, TimeUnit.SECONDS), "runs after the failure: " + runs);
    } finally {
      scheduling.stop();
    }
  }
}
