package dev.streamgate.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens {@code c} connections, ramped, on one or two selector threads; lets them run streams back to
 * back; measures over a window after the ramp and a warm-up; then lets the streams in flight finish
 * and checks them too.
 */
final class LoadRun {

  /** How long each phase lasts. */
  record Timing(double rampSeconds, double warmupSeconds, double windowSeconds, double drainSeconds) {}

  private final Plan plan;
  private final Timing timing;
  private final List<Loop> loops = new ArrayList<>();
  private final ClientPool<?> pool; // gRPC's or HTTP/2's clients, on loops of their own; else null
  private final AtomicInteger open = new AtomicInteger();
  private volatile boolean stopping;
  private volatile long windowStart = Long.MAX_VALUE;
  private volatile long windowEnd = Long.MAX_VALUE;

  LoadRun(Plan plan, Timing timing, int threads) {
    this.plan = plan;
    this.timing = timing;
    for (int i = 0; i < threads; i++) {
      loops.add(new Loop(i));
    }
    try {
      pool =
          switch (plan.transport()) {
            case GRPC -> new GrpcClients(this, threads);
            case SSE_H2C -> new H2SseClients(this, threads);
            default -> null;
          };
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Plan plan() {
    return plan;
  }

  boolean stopping() {
    return stopping;
  }

  boolean inWindow(long now) {
    return now >= windowStart && now < windowEnd;
  }

  void closed() {
    open.decrementAndGet();
  }

  RunResult run() throws IOException, InterruptedException {
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    double loadBefore = os.getSystemLoadAverage();
    for (Loop loop : loops) {
      loop.thread.start();
    }
    long start = System.nanoTime();
    long rampNanos = (long) (timing.rampSeconds() * 1e9);
    for (int i = 0; i < plan.c(); i++) {
      long due = start + rampNanos * i / plan.c();
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      open.incrementAndGet();
      if (pool != null) {
        pool.add(i);
      } else {
        loops.get(i % loops.size()).add(new Conn(this, loops.get(i % loops.size()).tally, i));
      }
    }
    sleep(timing.warmupSeconds());
    ServerMetrics before = ServerMetrics.fetchAll(plan.bases());
    double redisBefore = RedisProcess.cpuSeconds(plan.host(), plan.redisPort());
    long clientBefore = os.getProcessCpuTime();
    long[] cpuBefore = CpuSteal.read();
    windowStart = System.nanoTime();
    sleep(timing.windowSeconds());
    windowEnd = System.nanoTime();
    long clientAfter = os.getProcessCpuTime();
    double steal = CpuSteal.percent(cpuBefore, CpuSteal.read());
    ServerMetrics after = ServerMetrics.fetchAll(plan.bases());
    double redisAfter = RedisProcess.cpuSeconds(plan.host(), plan.redisPort());
    double loadAfter = os.getSystemLoadAverage();
    stopping = true;
    long drainEnd = System.nanoTime() + (long) (timing.drainSeconds() * 1e9);
    while (open.get() > 0 && System.nanoTime() < drainEnd) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    Tally total = new Tally();
    int incomplete = 0;
    for (Loop loop : loops) {
      incomplete += loop.stop();
      total.add(loop.tally);
    }
    if (pool != null) {
      incomplete += pool.stop();
      total.add(pool.total());
    }
    double window = (windowEnd - windowStart) / 1e9;
    return new RunResult(
        plan.transport().label(),
        plan.c(),
        plan.n(),
        plan.r(),
        plan.ttftMs(),
        window,
        total.tokensInWindow,
        total.framesInWindow,
        total.lag.percentileMs(0.50),
        total.lag.percentileMs(0.99),
        total.lag.percentileMs(0.999),
        total.lag.maxMs(),
        total.ttft.percentileMs(0.50),
        total.ttft.percentileMs(0.99),
        total.streamsCompleted,
        total.streamsVerified,
        total.lost,
        total.duplicated,
        total.reordered,
        total.textMismatches,
        total.errors,
        incomplete,
        total.firstError,
        (after.cpuNanos() - before.cpuNanos()) / 1e9,
        (clientAfter - clientBefore) / 1e9,
        after.heapUsed(),
        after.rss(),
        after.connections(),
        loadBefore,
        loadAfter,
        steal,
        total.resumes,
        redisAfter - redisBefore);
  }

  /**
   * Opens {@code c} idle subscriptions and returns how many the server acknowledged (its hello
   * comment); they stay open until {@link #closeAll()}.
   */
  long openIdle(double seconds) throws IOException, InterruptedException {
    for (Loop loop : loops) {
      loop.thread.start();
    }
    long start = System.nanoTime();
    long rampNanos = (long) (timing.rampSeconds() * 1e9);
    for (int i = 0; i < plan.c(); i++) {
      long wait = start + rampNanos * i / plan.c() - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      open.incrementAndGet();
      loops.get(i % loops.size()).add(new Conn(this, loops.get(i % loops.size()).tally, i));
    }
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    while (opened() < plan.c() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(100);
    }
    return opened();
  }

  long errors() {
    return loops.stream().mapToLong(loop -> loop.tally.errors).sum();
  }

  String firstError() {
    return loops.stream().map(loop -> loop.tally.firstError).filter(e -> e != null).findFirst().orElse(null);
  }

  private long opened() {
    return loops.stream().mapToLong(loop -> loop.tally.opened).sum(); // racy read: progress only
  }

  void closeAll() throws InterruptedException {
    stopping = true;
    for (Loop loop : loops) {
      loop.stop();
    }
  }

  private static void sleep(double seconds) throws InterruptedException {
    TimeUnit.NANOSECONDS.sleep((long) (seconds * 1e9));
  }

  /** One selector thread and the connections it owns. */
  private final class Loop implements Runnable {
    final Tally tally = new Tally();
    final Thread thread;
    private final Selector selector;
    private final Queue<Conn> incoming = new ConcurrentLinkedQueue<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private volatile boolean running = true;
    private int abandoned;

    Loop(int index) {
      try {
        selector = Selector.open();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      thread = new Thread(this, "bench-loop-" + index);
      thread.setDaemon(true);
    }

    void add(Conn conn) {
      incoming.add(conn);
      selector.wakeup();
    }

    @Override
    public void run() {
      try {
        while (running) {
          selector.select(20);
          for (SelectionKey key : selector.selectedKeys()) {
            if (key.isValid()) {
              ((Conn) key.attachment()).ready(key, buffer);
            }
          }
          selector.selectedKeys().clear();
          for (Conn conn; (conn = incoming.poll()) != null; ) {
            conn.open(selector);
          }
        }
        for (SelectionKey key : new ArrayList<>(selector.keys())) {
          if (((Conn) key.attachment()).abandon()) {
            abandoned++;
          }
        }
        selector.close();
      } catch (IOException e) {
        tally.error("selector: " + e);
      }
    }

    /** Stops the thread; returns how many streams were still open. */
    int stop() throws InterruptedException {
      running = false;
      selector.wakeup();
      thread.join();
      return abandoned;
    }
  }
}
