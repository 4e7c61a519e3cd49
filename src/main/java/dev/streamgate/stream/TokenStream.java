package dev.streamgate.stream;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The append-only log of one generation: tokens numbered from 1, then exactly one {@link Terminal}.
 * One producer writes; any number of readers read after their own cursor without locking. There are
 * no per-reader queues: the log is the buffer.
 *
 * <p>Listeners are told, on the writer's thread, that something changed. They must never block: a
 * non-blocking write to a client is fine, waiting for one is not.
 */
public final class TokenStream {

  private static final Logger LOG = Logger.getLogger(TokenStream.class.getName());

  private final String id;
  private final String model;
  private final String owner;
  private final long createdAtMillis;
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final Runnable onEnd;

  // The tokens' text, end to end, and where each token ends: ends[k - 1] is the end of seq k in
  // chars. Primitive arrays, not a String per token, so a long-lived stream holds no young objects
  // for the garbage collector to copy and scan (and a quarter of the memory). Written under the
  // monitor and read without it: a reader reads `size` first, then the arrays, so everything below
  // the size it saw is filled in whichever arrays it gets (a grown array is published first).
  private volatile char[] chars = new char[128];
  private volatile int[] ends = new int[32];
  private volatile int size;
  private volatile Terminal terminal;
  private volatile long endedAtNanos;
  private volatile long lastReaderNanos = System.nanoTime();
  private volatile Runnable onCancel = () -> {};
  // Set on a mirror of a generation another node produces: cancel() asks that node instead of
  // ending here, so the mirror's end is the producer's end, after the producer's last token.
  private volatile Runnable requestCancel;
  // Told of every change like a listener, but not a reader: the copy of the log to the cluster.
  private volatile Runnable observer;
  private volatile Usage usage;
  private volatile OnDisconnect onDisconnect = OnDisconnect.KEEP;
  private volatile long maxBytes = Long.MAX_VALUE;
  private final long createdNanos = System.nanoTime();
  private volatile long firstTokenNanos; // 0 until the first token
  private volatile long lastAppendNanos; // when the newest token was written, 0 before any
  // The transports its readers used on this node, for the generation's end line (a handful).
  private final java.util.Set<String> readOver = new java.util.concurrent.CopyOnWriteArraySet<>();

  public TokenStream(String id, String model) {
    this(id, model, Owner.ANYONE.name(), () -> {});
  }

  /** A stream owned by {@code owner} that runs {@code onEnd} once, on the thread that ends it. */
  public TokenStream(String id, String model, String owner, Runnable onEnd) {
    this(id, model, owner, System.currentTimeMillis(), onEnd);
  }

  /** A stream first created at {@code createdAtMillis}, possibly by another node. */
  public TokenStream(String id, String model, String owner, long createdAtMillis, Runnable onEnd) {
    this.id = id;
    this.createdAtMillis = createdAtMillis;
    this.model = model;
    this.owner = owner;
    this.onEnd = onEnd;
  }

  public String id() {
    return id;
  }

  public String model() {
    return model;
  }

  /** The name of the key that created this stream; only it may read or cancel it. */
  public String owner() {
    return owner;
  }

  public long createdAtMillis() {
    return createdAtMillis;
  }

  /**
   * Appends the next token and returns its seq, or 0 if the stream has ended: before (a cancel, a
   * shutdown) or now, because this token would take its log past {@link #maxBytes(long)}; then it
   * ends with {@code length}, as a model's own token limit ends it, and its producer is stopped.
   */
  public long append(String text) {
    long seq;
    synchronized (this) {
      if (terminal != null) {
        return 0;
      }
      int start = size == 0 ? 0 : ends[size - 1];
      int end = start + text.length();
      seq = bytesOf(end, size + 1) > maxBytes ? 0 : size + 1;
      if (seq > 0) {
        char[] log = chars;
        if (end > log.length) {
          // Doubling, but never past what the byte limit lets the log hold.
          long room = Math.min(2L * log.length, Math.max(end, maxBytes / 2));
          log = Arrays.copyOf(log, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(end, room)));
          chars = log;
        }
        int[] bounds = ends;
        if (size == bounds.length) {
          bounds = Arrays.copyOf(bounds, size * 2);
          ends = bounds;
        }
        text.getChars(0, text.length(), log, start);
        bounds[size] = end;
        long now = System.nanoTime();
        if (seq == 1) {
          firstTokenNanos = now;
        }
        lastAppendNanos = now; // before size: a reader that sees the token sees its time, or later
        size = (int) seq;
      }
    }
    if (seq == 0) { // full: end it outside the monitor, as every end runs its callbacks
      stopProducerIf(end(FinishReason.LENGTH, null, null));
      return 0;
    }
    notifyListeners();
    return seq;
  }

  /** When the newest token was written ({@link System#nanoTime()}), or 0 before any. */
  public long lastAppendNanos() {
    return lastAppendNanos;
  }

  /** The number of tokens written so far. */
  public long size() {
    return size;
  }

  /** Notes that a reader follows it over {@code transport} (null: nothing to note). */
  public void readOver(String transport) {
    if (transport != null) {
      readOver.add(transport);
    }
  }

  /** The transports its readers on this node used so far, in the order they first came. */
  public java.util.Set<String> readOver() {
    return java.util.Collections.unmodifiableSet(readOver);
  }

  /** How long the first token took from the stream's creation, or -1 if none came. */
  public long timeToFirstTokenNanos() {
    long first = firstTokenNanos;
    return first == 0 ? -1 : first - createdNanos;
  }

  /** The heap a log of {@code chars} characters in {@code tokens} tokens holds. */
  private static long bytesOf(long chars, long tokens) {
    return 2 * chars + 4 * tokens;
  }

  /** The heap this stream's log holds: two bytes a character, four a token. */
  public long bytes() {
    int tokens = size;
    int[] bounds = ends;
    return bytesOf(tokens == 0 ? 0 : bounds[tokens - 1], tokens);
  }

  /**
   * The most {@link #bytes()} this stream's log may hold: {@code STREAMGATE_MAX_GENERATION_BYTES}.
   */
  public void maxBytes(long limit) {
    this.maxBytes = limit;
  }

  /** Ends the stream normally; false if it had already ended. */
  public boolean finish(FinishReason reason) {
    if (reason == FinishReason.ERROR) {
      throw new IllegalArgumentException("use fail(code, message) for errors");
    }
    return end(reason, null, null);
  }

  /** Ends the stream with an error after the tokens already written; false if it had ended. */
  public boolean fail(String code, String message) {
    return end(FinishReason.ERROR, code, message);
  }

  /** A client's cancel: see {@link #cancel(String)}. */
  public boolean cancel() {
    return cancel(Terminal.BY_CLIENT);
  }

  /**
   * Ends the stream as cancelled, for the reason {@code by} ({@link Terminal#cancelledBy()}), and
   * stops its producer; false if it had already ended. On a mirror this only asks the producer's
   * node, and the end arrives through the log.
   */
  public boolean cancel(String by) {
    Runnable remote = requestCancel;
    if (remote != null) {
      if (!isEnded()) {
        remote.run();
      }
      return false;
    }
    return stopProducerIf(end(FinishReason.CANCELLED, by, null));
  }

  /** Ends a mirror as its producer's node ended it: cancelled, for the reason {@code by}. */
  public boolean endCancelled(String by) {
    return end(FinishReason.CANCELLED, by, null);
  }

  /** What happens once no one reads this generation; see {@link OnDisconnect}. */
  public OnDisconnect onDisconnect() {
    return onDisconnect;
  }

  public void onDisconnect(OnDisconnect policy) {
    this.onDisconnect = policy;
  }

  /** Makes this stream a mirror: {@code request} asks the producer's node to cancel. */
  public void mirrorOf(Runnable request) {
    this.requestCancel = request;
  }

  /** True if another node produces this stream and this one only mirrors its log. */
  public boolean isMirror() {
    return requestCancel != null;
  }

  /** Waits up to {@code timeout} for the stream to end (a cancel sent to another node). */
  public boolean awaitEnd(java.time.Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      try {
        for (long left = timeout.toNanos(); terminal == null && left > 0; ) {
          java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
          left = deadline - System.nanoTime();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return terminal != null;
    }
  }

  /** Ends the stream with an error and stops its producer; false if it had already ended. */
  public boolean abort(String code, String message) {
    return stopProducerIf(end(FinishReason.ERROR, code, message));
  }

  private boolean stopProducerIf(boolean ended) {
    if (ended) {
      onCancel.run();
    }
    return ended;
  }

  /** Token counts as the backend reports them; set before the stream ends. */
  public void reportUsage(Usage usage) {
    this.usage = usage;
  }

  /** The backend's token counts, or null if it reported none. */
  public Usage usage() {
    return usage;
  }

  /** What the generation has used so far, whatever way it ended: see {@link Usage#of}. */
  public Usage usageSoFar() {
    return Usage.of(usage, size);
  }

  /** What {@link #cancel()} and {@link #abort} run to stop the producer (at most once). */
  public void onCancel(Runnable action) {
    this.onCancel = action;
  }

  private boolean end(FinishReason reason, String code, String message) {
    synchronized (this) {
      if (terminal != null) {
        return false;
      }
      // Kept for the retention period from here on: drop the room left for tokens to come. The
      // trimmed arrays hold the same tokens, so a reader may get either.
      int length = size == 0 ? 0 : ends[size - 1];
      chars = Arrays.copyOf(chars, length);
      ends = Arrays.copyOf(ends, size);
      endedAtNanos = System.nanoTime();
      terminal = new Terminal(reason, size, code, message);
      notifyAll(); // awaitEnd
    }
    onEnd.run();
    notifyListeners();
    return true;
  }

  /**
   * The tokens after {@code after} (at most {@code max}), plus the terminal event if that reaches
   * the end of a finished stream. A mirror may be asked from a cursor it has not reached yet (the
   * client read it on the producer's node): nothing until it has, or the terminal event if the log
   * ended before it (a producer lost before its last tokens reached Redis).
   */
  public Slice read(long after, int max) {
    Terminal end = terminal; // read before size: a non-null terminal means size is final
    int available = size;
    if (after > available && isMirror()) {
      return new Slice(after, List.of(), end);
    }
    if (after < 0 || after > available) {
      throw new IllegalArgumentException("cursor " + after + " is outside 0.." + available);
    }
    int from = (int) after;
    int to = (int) Math.min(available, after + max);
    char[] log = chars;
    int[] bounds = ends;
    String[] texts = new String[to - from];
    for (int k = from; k < to; k++) {
      int start = k == 0 ? 0 : bounds[k - 1];
      texts[k - from] = new String(log, start, bounds[k] - start);
    }
    return new Slice(after, Arrays.asList(texts), to == available ? end : null);
  }

  /** True if a reader at {@code cursor} has something to read: a token or the terminal event. */
  public boolean hasAfter(long cursor) {
    return terminal != null || size > cursor;
  }

  public long lastSeq() {
    return size;
  }

  /** The terminal event, or null while the generation runs. */
  public Terminal terminal() {
    return terminal;
  }

  public boolean isEnded() {
    return terminal != null;
  }

  /** Nanos (System.nanoTime) when the stream ended; meaningful only once {@link #isEnded()}. */
  public long endedAtNanos() {
    return endedAtNanos;
  }

  /** Everything generated so far, as one string. */
  public String text() {
    int n = size;
    return n == 0 ? "" : new String(chars, 0, ends[n - 1]);
  }

  /**
   * Sets the one observer told of every change before the listeners, without counting as a reader
   * (null removes it).
   */
  public void observe(Runnable observer) {
    this.observer = observer;
  }

  public void addListener(Runnable listener) {
    listeners.add(listener);
  }

  public void removeListener(Runnable listener) {
    if (listeners.remove(listener)) {
      lastReaderNanos = System.nanoTime();
    }
  }

  /** Records that a reader read without staying attached (a long poll that answered at once). */
  public void touch() {
    lastReaderNanos = System.nanoTime();
  }

  /** True if no reader is attached and none has been for at least {@code idleNanos}. */
  public boolean isOrphaned(long nowNanos, long idleNanos) {
    return listeners.isEmpty() && nowNanos - lastReaderNanos >= idleNanos;
  }

  public int listenerCount() {
    return listeners.size();
  }

  private void notifyListeners() {
    Runnable copy = observer;
    if (copy != null) {
      try {
        copy.run();
      } catch (RuntimeException e) {
        LOG.log(Level.SEVERE, "the copy of " + id + " to the cluster failed", e);
      }
    }
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        // One broken reader must not stop the producer or the other readers.
        LOG.log(Level.SEVERE, "a reader of " + id + " failed", e);
      }
    }
  }
}
