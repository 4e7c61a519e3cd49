package dev.streamgate.bench;

/**
 * Clients of a load run that run on event loops of their own (grpc-java's, Netty's HTTP/2) rather
 * than on the run's selector threads: each loop keeps a {@link Tally}, merged once they stop.
 */
interface ClientPool {

  /** Starts client {@code slot}: it runs streams back to back until the run winds down. */
  void add(int slot);

  /** Ends what is still in flight and returns how many streams that was. */
  int stop() throws InterruptedException;

  /** What every loop saw; read after {@link #stop()}. */
  Tally total();
}
