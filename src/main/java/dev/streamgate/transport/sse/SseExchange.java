package dev.streamgate.transport.sse;

import dev.streamgate.transport.ResponseChannel;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * One {@code /events} request as Jersey sees it: Jersey's {@code SseEventSink} writes each event
 * into memory, and the bytes go out through the request's non-blocking {@link ResponseChannel}.
 *
 * <p>Jersey writes with blocking writes from the caller's thread and completes the request from
 * there too, with no {@code AsyncListener} of its own: on a client that stopped reading that parks
 * the thread, and after the container has ended the request it writes to (and completes) a request
 * already recycled for the next connection (Jersey #3719, Tomcat BZ 61768). Here every Jersey call
 * that can touch the response runs under the channel's lock and only while the request is ours,
 * Jersey's output stream only fills a buffer, and its {@code complete()} is the channel's {@code
 * end()}.
 */
public final class SseExchange {

  private static final String ATTRIBUTE = SseExchange.class.getName();

  private final HttpServletRequest original;
  private final HttpServletResponse originalResponse;
  private final Request request;
  private final Response response;
  private final Buffer buffer = new Buffer();
  private volatile ResponseChannel channel; // once Jersey has made the request async
  private Runnable slot; // guarded by this: the connection's slot, given back when the stream ends
  private boolean ended; // guarded by this
  private Runnable afterJersey;

  /** Starts the exchange of an {@code /events} request, before it goes on to Jersey. */
  public SseExchange(HttpServletRequest request, HttpServletResponse response) {
    this.original = request;
    this.originalResponse = response;
    this.request = new Request(request);
    this.response = new Response(response);
    request.setAttribute(ATTRIBUTE, this);
  }

  /** The exchange of a request routed here, or null. */
  static SseExchange of(ServletRequest request) {
    return (SseExchange) request.getAttribute(ATTRIBUTE);
  }

  public HttpServletRequest request() {
    return request;
  }

  public HttpServletResponse response() {
    return response;
  }

  /** Gives {@code release} back when the stream ends (at once if it already has). */
  void holdSlot(Runnable release) {
    synchronized (this) {
      if (!ended) {
        slot = release;
        return;
      }
    }
    release.run();
  }

  private void ended() {
    Runnable release;
    synchronized (this) {
      ended = true;
      release = slot;
      slot = null;
    }
    if (release != null) {
      release.run();
    }
  }

  /**
   * Runs {@code task} once the request thread has left Jersey (the routing filter calls {@link
   * #leftJersey()}): a first event sent while Jersey is still finishing the resource method's
   * response can be left queued in its sink and never written.
   */
  void afterJersey(Runnable task) {
    afterJersey = task;
  }

  /** Called by the routing filter once Jersey has returned the request thread. */
  public void leftJersey() {
    Runnable task = afterJersey;
    afterJersey = null;
    if (channel == null) {
      ended(); // Jersey answered without going async: nothing streams
    } else if (task != null && !channel.isOver()) {
      task.run();
    }
  }

  /**
   * Runs {@code jersey} (which writes events to the sink) while the request is ours, then sends
   * what it wrote; {@code written} hears null once that is out, else the failure.
   */
  void send(Runnable jersey, Consumer<Throwable> written) {
    ResponseChannel out = channel;
    RuntimeException[] failure = new RuntimeException[1];
    boolean open =
        out != null
            && out.whileOpen(
                () -> {
                  buffer.collecting = true;
                  try {
                    jersey.run();
                  } catch (RuntimeException e) {
                    failure[0] = e;
                  } finally {
                    buffer.collecting = false;
                  }
                });
    if (!open) {
      written.accept(new IOException("the client's request has ended"));
    } else if (failure[0] != null) {
      written.accept(failure[0]);
    } else {
      byte[] bytes = buffer.take();
      if (bytes.length == 0) {
        written.accept(null);
      } else {
        out.send(bytes, written);
      }
    }
  }

  /** Runs {@code jersey} (closing its sink) under the channel's lock if the request is ours. */
  void close(Runnable jersey) {
    ResponseChannel out = channel;
    if (out == null || !out.whileOpen(jersey)) {
      jersey.run(); // the request is over: Jersey only reads isCommitted() and completes (a no-op)
    }
  }

  /** Drops the connection now, whatever waits to go out to it. */
  void drop() {
    ResponseChannel out = channel;
    if (out != null) {
      out.drop();
    }
  }

  /** Jersey's view of the request: its async context completes through the channel. */
  private final class Request extends HttpServletRequestWrapper {
    private AsyncContext async;

    Request(HttpServletRequest request) {
      super(request);
    }

    @Override
    public AsyncContext startAsync() {
      return startAsync(this, response);
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
      AsyncContext real = original.startAsync(request, response);
      try {
        channel = ResponseChannel.open(real, originalResponse, SseExchange.this::ended);
      } catch (IOException e) {
        throw new IllegalStateException("the client left before its stream started", e);
      }
      async = new ChannelAsyncContext(real);
      return async;
    }

    @Override
    public AsyncContext getAsyncContext() {
      return async != null ? async : super.getAsyncContext();
    }
  }

  /** Jersey's view of the response: its output fills our buffer once the request is async. */
  private final class Response extends HttpServletResponseWrapper {
    Response(HttpServletResponse response) {
      super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
      return channel != null ? buffer : super.getOutputStream();
    }

    @Override
    public void flushBuffer() throws IOException {
      if (channel != null) {
        buffer.flush();
      } else {
        super.flushBuffer();
      }
    }

    /** Once the request is over the response may be someone else's: look no further. */
    @Override
    public boolean isCommitted() {
      ResponseChannel out = channel;
      return out != null && out.isOver() || super.isCommitted();
    }
  }

  /**
   * What Jersey writes, kept until it has finished an event. Bytes Jersey writes outside {@link
   * #send} (an error response after the request went async) go out when it flushes.
   */
  private final class Buffer extends ServletOutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    private boolean collecting; // written and read under the channel's lock or by one writer

    @Override
    public void write(int b) {
      bytes.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes.write(b, off, len);
    }

    @Override
    public void flush() {
      if (!collecting && bytes.size() > 0) {
        channel.send(take(), failure -> {});
      }
    }

    @Override
    public void close() {
      flush();
    }

    byte[] take() {
      byte[] all = bytes.toByteArray();
      bytes.reset();
      return all;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      throw new UnsupportedOperationException("Jersey writes to memory here");
    }
  }

  /**
   * The container's async context, but {@code complete()} first sends what Jersey left in the
   * buffer (its error responses are never flushed: Jersey keeps the stream open for filters) and
   * completes once that is out.
   */
  private final class ChannelAsyncContext implements AsyncContext {
    private final AsyncContext real;

    ChannelAsyncContext(AsyncContext real) {
      this.real = real;
    }

    @Override
    public void complete() {
      buffer.flush();
      channel.end();
    }

    @Override
    public ServletRequest getRequest() {
      return real.getRequest();
    }

    @Override
    public ServletResponse getResponse() {
      return real.getResponse();
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
      return real.hasOriginalRequestAndResponse();
    }

    @Override
    public void dispatch() {
      real.dispatch();
    }

    @Override
    public void dispatch(String path) {
      real.dispatch(path);
    }

    @Override
    public void dispatch(ServletContext context, String path) {
      real.dispatch(context, path);
    }

    @Override
    public void start(Runnable run) {
      real.start(run);
    }

    @Override
    public void addListener(AsyncListener listener) {
      real.addListener(listener);
    }

    @Override
    public void addListener(
        AsyncListener listener, ServletRequest request, ServletResponse response) {
      real.addListener(listener, request, response);
    }

    @Override
    public <T extends AsyncListener> T createListener(Class<T> type)
        throws jakarta.servlet.ServletException {
      return real.createListener(type);
    }

    @Override
    public void setTimeout(long timeout) {
      real.setTimeout(timeout);
    }

    @Override
    public long getTimeout() {
      return real.getTimeout();
    }
  }
}
