package dev.streamgate.stream;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the registry shares with other nodes. {@link #LOCAL} shares nothing: one node, every log in
 * its heap. With Redis configured, the producer's node publishes each log it writes, and any other
 * node serving that generation keeps a local mirror of it, so the transports read a {@link
 * TokenStream} either way.
 */
public interface Cluster {

  /** A single node: nothing is shared. */
  Cluster LOCAL =
      new Cluster() {
        @Override
        public long startWait(String owner, int perMinute) {
          return -1;
        }

        @Override
        public void publish(TokenStream stream, Owner owner) {}

        @Override
        public TokenStream mirror(String id) {
          return null;
        }

        @Override
        public CompletionStage<Boolean> readElsewhere(TokenStream stream) {
          return CompletableFuture.completedFuture(false);
        }

        @Override
        public boolean isAvailable() {
          return true;
        }
      };

  /**
   * Takes one start from {@code owner}'s cluster-wide rate ({@code perMinute}): 0 when admitted,
   * else the seconds until the next start is; -1 when starts are not shared (count them locally).
   * Throws {@link UnavailableException} when the cluster cannot say.
   */
  long startWait(String owner, int perMinute);

  /**
   * Makes the stream, just opened on this node, known to every node and publishes what it writes.
   * Throws {@link CapacityException} past the owner's cluster-wide live limit, and {@link
   * UnavailableException} when the cluster cannot be reached.
   */
  void publish(TokenStream stream, Owner owner);

  /**
   * This node's mirror of a generation another node produces, caught up with its log; null if no
   * node knows the id. Throws {@link UnavailableException} when the cluster cannot say.
   */
  TokenStream mirror(String id);

  /** Completes with true if a reader on another node is attached to (or just read) the stream. */
  CompletionStage<Boolean> readElsewhere(TokenStream stream);

  /** False while the node cannot reach the shared store. */
  boolean isAvailable();
}
