package dev.streamgate.cluster;

/**
 * Every Redis key and channel the cluster uses. A generation's keys share its id as a hash tag, so
 * they stay in one slot of a Redis Cluster too.
 */
final class Keys {

  private Keys() {}

  /** Hash: node, model, owner, created, last (seq stored), end (once ended). */
  static String meta(String id) {
    return "sg:{" + id + "}";
  }

  /** Stream: batches of tokens ({@code f}, {@code l}, {@code x}), then the end ({@code e}, …). */
  static String log(String id) {
    return "sg:{" + id + "}:log";
  }

  /** Set while a reader on some node reads the generation; expires after the orphan timeout. */
  static String seen(String id) {
    return "sg:{" + id + "}:seen";
  }

  static final String LEASE_PREFIX = "sg:node:";

  /** Set while the node lives; expires after the lease. */
  static String lease(String node) {
    return LEASE_PREFIX + node;
  }

  /** Stream the node's mirror reader also waits on, so a new mirror joins its wait at once. */
  static String wake(String node) {
    return "sg:wake:" + node;
  }

  /** Channel on which other nodes ask the node to cancel a generation it produces. */
  static String cancels(String node) {
    return "sg:cancel:" + node;
  }

  /** Hash: node → live generations it runs for the owner. */
  static String live(String owner) {
    return "sg:live:" + owner;
  }

  /** Hash: the owner's cluster-wide start rate bucket. */
  static String starts(String owner) {
    return "sg:starts:" + owner;
  }
}
