package dev.streamgate.security;

import dev.streamgate.runtime.Containers;
import dev.streamgate.runtime.Scheduling;
import dev.streamgate.runtime.Settings;
import dev.streamgate.web.OpenAiErrors;
import dev.streamgate.web.ProblemException;
import dev.streamgate.web.ProblemResponses;
import dev.streamgate.web.Routes;
import jakarta.inject.Inject;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads request bodies without holding a request thread. A body that is still arriving is read by a
 * servlet {@link ReadListener} while no thread waits; once it is all here the request is dispatched
 * again, with the body in memory, to the resource that wanted it. A body not complete within {@code
 * STREAMGATE_BODY_TIMEOUT} gets {@code 408}, one over {@code STREAMGATE_MAX_BODY} gets {@code 413},
 * and both close the connection. A slow upload therefore costs a connection and the bytes it sent,
 * never one of the container's request threads.
 *
 * <p>Runs after {@link AccessFilter}, so a caller without a key is refused before we buffer
 * anything it sends; {@link #refuse} answers such refusals without reading the body on a thread
 * either.
 */
public class BodyFilter extends HttpFilter {

  private static final Logger LOG = Logger.getLogger(BodyFilter.class.getName());
  private static final String BODY = BodyFilter.class.getName() + ".body";

  /** What a body buffer starts at; it doubles as bytes arrive, so a trickle costs what it sent. */
  private static final int FIRST_BUFFER = 8 * 1024;

  /**
   * Payara: how long after its request thread left this filter a late body's dispatch waits (see
   * {@link Upload#dispatchLate}). Bodies that trail their headers by more pay nothing.
   */
  private static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /**
   * Payara: how long to wait for the container to end the first dispatch before going on anyway.
   */
  private static final long EXIT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

  @Inject Settings settings;
  @Inject Scheduling scheduling;
  private int maxBytes;
  private Duration timeout;

  /** Whether the container is Payara or GlassFish, whose Grizzly needs the guard in doFilter. */
  private boolean grizzly;

  @Override
  public void init() {
    maxBytes = settings.maxBodyBytes();
    timeout = settings.bodyTimeout();
    grizzly = Containers.isGrizzly(getServletContext());
  }

  @Override
  protected void doFilter(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (request.getDispatcherType() == DispatcherType.ASYNC) {
      Object body = request.getAttribute(BODY);
      if (body instanceof byte[] bytes) {
        request.removeAttribute(BODY);
        chain.doFilter(new ReadBody(request, bytes), response);
      } else {
        chain.doFilter(request, response);
      }
      return;
    }
    if (!hasBody(request) || request.getProtocol().startsWith("HTTP/2")) {
      // HTTP/2 (on Payara, after an h2c upgrade) is left to the container: Grizzly's HTTP/2 cuts
      // the response of an upgraded request whose body was read this way, about every other time.
      chain.doFilter(request, response);
      return;
    }
    if (request.getContentLengthLong() > maxBytes) {
      refuse(request, response, tooLarge(maxBytes), timeout, 0); // too large to read at all
      return;
    }
    long declared = request.getContentLengthLong();
    if (declared > 0 && request.getInputStream().available() >= declared) {
      // All here already (the usual case): read it from the buffer, no waiting, no dispatch.
      byte[] body = request.getInputStream().readNBytes((int) declared);
      chain.doFilter(new ReadBody(request, body), response);
      return;
    }
    if (grizzly) {
      // Once a listener reads, Grizzly (Payara) reads the connection on: a kept-alive client's
      // next request, sent as soon as this answer arrives, was parsed while this request was still
      // completing, sharing its objects. About one body in a hundred (100 KB POSTs from the JDK
      // client) came out garbled or cut, or the next request got an empty 400. Closing after the
      // answer costs such a client a new connection; 4 000 of those POSTs then all passed.
      response.setHeader("Connection", "close");
    }
    AsyncContext async = request.startAsync();
    async.setTimeout(Math.max(1, timeout.toMillis()));
    Upload upload = new Upload(async, request, response, maxBytes);
    async.addListener(upload);
    request.getInputStream().setReadListener(upload);
    upload.leaving.returned();
  }

  /**
   * Answers {@code refused} at once and closes the connection after it. A body the client is still
   * sending is read and dropped without a thread, for at most {@code timeout} and {@code
   * maxDiscard} bytes, so a client that sent it in good faith reads the answer instead of a reset;
   * the container never swallows it on a request thread (which a client could keep busy by sending
   * a byte every few seconds).
   */
  static void refuse(
      HttpServletRequest request,
      HttpServletResponse response,
      ProblemException refused,
      Duration timeout,
      long maxDiscard)
      throws IOException {
    boolean owed = hasBody(request) && !request.isAsyncStarted();
    if (!owed || maxDiscard == 0 || "100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
      // No body coming, none worth reading, or a client that waits for our word before it sends
      // one. Tomcat closes such a connection without reading on (413 and an unmet Expect both
      // turn its swallowing off).
      if (owed) {
        response.setHeader("Connection", "close");
      }
      write(request, response, refused);
      return;
    }
    AsyncContext async = request.startAsync();
    async.setTimeout(Math.max(1, timeout.toMillis()));
    response.setHeader("Connection", "close");
    write(request, response, refused);
    response.flushBuffer();
    Discard discard = new Discard(async, request.getInputStream(), maxDiscard);
    async.addListener(discard);
    request.getInputStream().setReadListener(discard);
    discard.leaving.returned();
  }

  /**
   * Holds a listener's last act (dispatch or complete) until the request thread that started the
   * async cycle has left this filter. A body's rest can arrive, and its listener run on another
   * thread, while that thread is still on its way out; Payara's Grizzly then recycled the response
   * under it (500s, and once a cut body, in CI). Run by whichever of the two comes second: on the
   * request thread the container defers it until the dispatch returns, as the servlet spec says.
   */
  private static final class Leaving {
    private static final int RETURNED = 1;
    private static final int ENDED = 2;
    private final AtomicInteger state = new AtomicInteger();
    private volatile Runnable last;

    /** When the request thread left the filter ({@link System#nanoTime}). */
    private volatile long returnedAt;

    /** The request thread is leaving the filter. */
    void returned() {
      returnedAt = System.nanoTime();
      if ((state.getAndUpdate(s -> s | RETURNED) & ENDED) != 0) {
        last.run();
      }
    }

    /** The listener is done: {@code act} now, or once the request thread has returned. */
    void end(Runnable act) {
      end(act, act);
    }

    /**
     * The listener is done: {@code act} on the request thread if it is still in the filter, else
     * {@code late} on the listener's.
     */
    void end(Runnable act, Runnable late) {
      last = act;
      if ((state.getAndUpdate(s -> s | ENDED) & RETURNED) != 0) {
        late.run();
      }
    }

    long returnedAt() {
      return returnedAt;
    }
  }

  /** Whether {@code request} is one this filter read the body of and dispatched again. */
  public static boolean hasReadBody(HttpServletRequest request) {
    return request instanceof ReadBody;
  }

  static boolean hasBody(HttpServletRequest request) {
    return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
  }

  static void write(HttpServletRequest request, HttpServletResponse response, Throwable failure)
      throws IOException {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    if (Routes.isOpenAi(path)) {
      OpenAiErrors.write(response, failure);
    } else {
      ProblemResponses.write(response, failure);
    }
  }

  private static ProblemException tooLarge(int max) {
    return new ProblemException(
        413, "body_too_large", "The request body is larger than the limit of " + max + " bytes.");
  }

  /** Collects one body as it arrives; dispatches the request when it is whole. */
  private final class Upload implements ReadListener, AsyncListener {
    private final AsyncContext async;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final ServletInputStream in;
    private final int max;
    private final AtomicBoolean settled = new AtomicBoolean();
    final Leaving leaving = new Leaving();
    private byte[] buffer;
    private int length;

    /** What the listener did last, for the log if the container then fails to follow it. */
    private volatile String settledAs;

    Upload(AsyncContext async, HttpServletRequest request, HttpServletResponse response, int max)
        throws IOException {
      this.async = async;
      this.request = request;
      this.response = response;
      this.in = request.getInputStream();
      this.max = max;
      long declared = request.getContentLengthLong();
      this.buffer = new byte[(int) Math.min(declared > 0 ? declared : FIRST_BUFFER, FIRST_BUFFER)];
    }

    @Override
    public void onDataAvailable() throws IOException {
      while (!settled.get() && in.isReady()) {
        if (length == buffer.length) {
          buffer = Arrays.copyOf(buffer, (int) Math.min((long) max + 1, 2L * buffer.length));
        }
        int read = in.read(buffer, length, buffer.length - length);
        if (read < 0) {
          return; // onAllDataRead follows
        }
        length += read;
        if (length > max) {
          end(tooLarge(max));
          return;
        }
      }
    }

    @Override
    public void onAllDataRead() {
      if (settled.compareAndSet(false, true)) {
        request.setAttribute(
            BODY, length == buffer.length ? buffer : Arrays.copyOf(buffer, length));
        buffer = null;
        settledAs = length + " bytes read, dispatched";
        leaving.end(
            async::dispatch, grizzly ? () -> dispatchLate(System.nanoTime()) : async::dispatch);
      }
    }

    /**
     * Payara's {@code AsyncContext.dispatch} from a thread of our own, while the request thread is
     * leaving the container, can be lost: it reads "defer this" just before the request thread
     * stops deferring and runs what was deferred, then files the dispatch where no one looks again
     * (read in Payara 6's {@code AsyncContextImpl.dispatch} and {@code onExitService}). The request
     * then hangs until its async timeout and gets a bare 500, as {@code TicketExpiryIT} did once
     * under load. So a body finished after the request thread left this filter is dispatched once
     * the container has said the first dispatch is over (setTimeout refused) and {@link
     * #GRACE_NANOS} have passed since the thread left us: the last steps of that exit are a few
     * instructions, and a thread preempted between them for longer is what this still loses to.
     */
    private void dispatchLate(long since) {
      boolean exiting;
      try {
        async.setTimeout(async.getTimeout()); // refused once the container is past the dispatch
        exiting = false;
      } catch (IllegalStateException pastTheDispatch) {
        exiting = true;
      }
      long now = System.nanoTime();
      long graceLeft = leaving.returnedAt() + GRACE_NANOS - now;
      if ((exiting && graceLeft <= 0) || now - since > EXIT_WAIT_NANOS) {
        async.dispatch();
        return;
      }
      scheduling
          .timers()
          .schedule(
              () -> dispatchLate(since),
              exiting ? graceLeft : TimeUnit.MILLISECONDS.toNanos(1),
              TimeUnit.NANOSECONDS);
    }

    @Override
    public void onTimeout(AsyncEvent event) throws IOException {
      if (settled.get()) {
        // The body was read (or the client failed) and the container was asked to go on, yet the
        // request is still here: its 500 says only "timeout". Seen once on Payara under double
        // load; this says which of the two the container did not do.
        LOG.log(
            Level.WARNING,
            "{0} {1}: async timeout after the body was settled ({2}); {3}",
            new Object[] {
              request.getMethod(),
              request.getRequestURI(),
              settledAs,
              request.getAttribute(BODY) != null
                  ? "the container never ran the dispatch"
                  : "the request is still being served, or was completed elsewhere"
            });
        return;
      }
      end(timedOut(timeout.toMillis() + " ms (STREAMGATE_BODY_TIMEOUT)"));
    }

    private ProblemException timedOut(String limit) {
      return new ProblemException(
          408,
          "body_timeout",
          "The request body was not complete within "
              + limit
              + ": "
              + length
              + (length == 1 ? " byte" : " bytes")
              + " arrived.");
    }

    /** The container's read timeout ({@code connectionTimeout}), a reset, or a broken chunk. */
    @Override
    public void onError(Throwable failure) {
      if (failure instanceof java.net.SocketTimeoutException) {
        try {
          end(timedOut("the connector's read timeout"));
        } catch (IOException | RuntimeException gone) {
          // the connection is closing anyway
        }
      } else if (settled.compareAndSet(false, true)) {
        buffer = null;
        settledAs = "client failed after " + length + " bytes (" + failure + "), completed";
        leaving.end(async::complete); // the client is gone, or sent a broken body: no one to answer
      }
    }

    @Override
    public void onError(AsyncEvent event) {
      onError(event.getThrowable());
    }

    /** Answers and closes: what is left of the body is never read, on any thread. */
    private void end(ProblemException refused) throws IOException {
      if (settled.compareAndSet(false, true)) {
        buffer = null;
        settledAs = "answered " + refused.problem().status() + ", completed";
        response.setHeader("Connection", "close");
        try {
          write(request, response, refused);
        } finally {
          leaving.end(async::complete);
        }
      }
    }

    @Override
    public void onComplete(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {}
  }

  /** Reads and drops what a refused client still sends, then lets the connection close. */
  private static final class Discard implements ReadListener, AsyncListener {
    private final AsyncContext async;
    private final ServletInputStream in;
    private final AtomicBoolean done = new AtomicBoolean();
    final Leaving leaving = new Leaving();
    private final byte[] scratch = new byte[4096];
    private long left;

    Discard(AsyncContext async, ServletInputStream in, long limit) {
      this.async = async;
      this.in = in;
      this.left = limit;
    }

    @Override
    public void onDataAvailable() throws IOException {
      while (!done.get() && in.isReady()) {
        int read = in.read(scratch);
        if (read < 0) {
          return;
        }
        left -= read;
        if (left < 0) {
          finish();
          return;
        }
      }
    }

    @Override
    public void onAllDataRead() {
      finish();
    }

    @Override
    public void onError(Throwable failure) {
      finish();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      finish();
    }

    @Override
    public void onError(AsyncEvent event) {
      finish();
    }

    private void finish() {
      if (done.compareAndSet(false, true)) {
        leaving.end(async::complete);
      }
    }

    @Override
    public void onComplete(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {}
  }

  /** The request as the resource sees it: its body already read, from memory. */
  private static final class ReadBody extends HttpServletRequestWrapper {
    private final byte[] body;
    private ServletInputStream stream;

    ReadBody(HttpServletRequest request, byte[] body) {
      super(request);
      this.body = body;
    }

    @Override
    public ServletInputStream getInputStream() {
      if (stream == null) {
        stream = new Bytes(body);
      }
      return stream;
    }

    @Override
    public BufferedReader getReader() {
      String encoding = getCharacterEncoding();
      return new BufferedReader(
          new InputStreamReader(
              getInputStream(),
              encoding == null
                  ? StandardCharsets.UTF_8
                  : java.nio.charset.Charset.forName(encoding)));
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }
  }

  private static final class Bytes extends ServletInputStream {
    private final ByteArrayInputStream in;

    Bytes(byte[] body) {
      this.in = new ByteArrayInputStream(body);
    }

    @Override
    public int read() {
      return in.read();
    }

    @Override
    public int read(byte[] into, int offset, int length) {
      return in.read(into, offset, length);
    }

    @Override
    public boolean isFinished() {
      return in.available() == 0;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setReadListener(ReadListener listener) {
      try {
        if (in.available() > 0) {
          listener.onDataAvailable();
        }
        listener.onAllDataRead();
      } catch (IOException e) {
        listener.onError(e);
      }
    }
  }
}
