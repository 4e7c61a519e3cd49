package dev.streamgate.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Clients of a load run that run on event loops of their own (grpc-java's, Netty's HTTP/2) rather
 * than on the run's selector threads. Each loop keeps a {@link Tally} ({@link #tally()}), merged
 * once the pool stops; {@link #inFlight} holds the clients with a stream open, so a stop can count
 * (and end) them.
 */
abstract class ClientPool<C> {

  protected final LoadRun run;
  protected final Plan plan;
  protected final Set<C> inFlight = ConcurrentHashMap.newKeySet();
  private final List<Tally> tallies = new ArrayList<>();
  private final ThreadLocal<Tally> tally =
      ThreadLocal.withInitial(
          () -> {
            Tally mine = new Tally();
            synchronized (tallies) {
              tallies.add(mine);
            }
            return mine;
          });

  protected ClientPool(LoadRun run) {
    this.run = run;
    this.plan = run.plan();
  }

  /** Starts client {@code slot}: it runs streams back to back until the run winds down. */
  abstract void add(int slot);

  /** Ends what is still in flight and returns how many streams that was. */
  abstract int stop() throws InterruptedException;

  /** The calling loop's own tally. */
  protected final Tally tally() {
    return tally.get();
  }

  /** What every loop saw; read after {@link #stop()}. */
  final Tally total() {
    Tally total = new Tally();
    synchronized (tallies) {
      tallies.forEach(total::add);
    }
    return total;
  }

  /**
   * A stream of {@code client} failed: counted as an error and a reconnect, and the client goes on
   * with {@code next}; once the run winds down it only says it has closed.
   */
  protected final void failed(C client, String what, Runnable next) {
    inFlight.remove(client);
    if (run.stopping()) {
      run.closed();
      return;
    }
    Tally mine = tally();
    mine.error(what);
    mine.reconnects++;
    next.run();
  }
}
