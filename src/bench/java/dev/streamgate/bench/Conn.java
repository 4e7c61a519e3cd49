package dev.streamgate.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One client connection running streams back to back on one transport, on its selector thread
 * only. Per token it checks the seq (lost, duplicated, out of order), records the lag behind the
 * model's own schedule, and at the end compares the reassembled text with the model's.
 */
final class Conn implements HttpResponseParser.Listener, SseParser.Listener, WsFrames.Listener {

  private enum Phase {
    UPGRADE,
    CREATE,
    STREAM,
    CLOSED
  }

  private final LoadRun run;
  private final Plan plan;
  private final Tally tally;
  private final int prompt;
  private HttpResponseParser http;
  private SseParser sse;
  private WsFrames ws;
  private final Received got;
  private SocketChannel channel;
  private SelectionKey key;
  private ByteBuffer pending;
  private Phase phase;
  private boolean websocketOpen;
  private byte[] body = new byte[1024];
  private int bodyLength;

  // which node of the cluster this connection talks to (see Plan)
  private final int home;
  private int node;
  private boolean reading; // connected to read a stream created before, on another connection
  private int hopTo = -1; // the node to move to once the bytes in hand are parsed
  private boolean hopRead; // ... to read the stream in flight there (else to start the next one)
  private long hopCursor; // the cursor at the last move

  // the stream in flight
  private String id;

  Conn(LoadRun run, Tally tally, int slot) {
    this.run = run;
    this.plan = run.plan();
    this.tally = tally;
    this.prompt = slot % plan.prompts();
    this.got = new Received(plan);
    this.home = slot % plan.nodes().length;
    this.node = home;
  }

  void open(Selector selector) {
    http = new HttpResponseParser(this);
    sse = new SseParser(this);
    ws = new WsFrames(this);
    try {
      channel = SocketChannel.open();
      channel.configureBlocking(false);
      channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
      boolean connected =
          channel.connect(new InetSocketAddress(plan.host(), plan.nodes()[node]));
      key = channel.register(selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
      if (connected) {
        connected();
      }
    } catch (IOException e) {
      tally.error("connect: " + e.getMessage());
      close(); // no retry loop against a server that refuses
    }
  }

  void ready(SelectionKey k, ByteBuffer buffer) {
    try {
      if (k.isConnectable()) {
        channel.finishConnect();
        k.interestOps(SelectionKey.OP_READ);
        connected();
        return;
      }
      if (k.isWritable()) {
        channel.write(pending);
        if (!pending.hasRemaining()) {
          pending = null;
          k.interestOps(SelectionKey.OP_READ);
        }
      }
      if (k.isReadable()) {
        buffer.clear();
        int n = channel.read(buffer);
        if (n < 0) {
          if (http.closed()) {
            return; // a response delimited by the close: handled in complete()
          }
          fail("closed by the server");
          return;
        }
        buffer.flip();
        received(buffer);
        if (hopTo >= 0) {
          hop();
        }
      }
    } catch (IOException | RuntimeException e) {
      fail(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private void received(ByteBuffer in) {
    while (in.hasRemaining() && phase != Phase.CLOSED && hopTo < 0) {
      if (websocketOpen) {
        ws.feed(in);
        return;
      }
      http.feed(in);
    }
  }

  private void connected() {
    if (plan.transport() == Transport.WS || plan.transport() == Transport.IDLE_WS) {
      phase = Phase.UPGRADE;
      send(
          ascii(
              "GET /ws HTTP/1.1\r\nHost: "
                  + plan.hostHeader()
                  + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    } else if (plan.transport() == Transport.IDLE_SSE) {
      phase = Phase.STREAM;
      id = plan.idleIds()[prompt % plan.idleIds().length];
      send(events());
    } else if (reading) {
      reading = false;
      phase = Phase.STREAM;
      if (plan.transport() == Transport.SSE) {
        send(events());
      } else {
        poll();
      }
    } else {
      next();
    }
  }

  /** Moves to node {@code to} (modulo the cluster) once the bytes in hand are parsed. */
  private void hopLater(int to, boolean read) {
    hopTo = to % plan.nodes().length;
    hopRead = read;
  }

  /**
   * Goes on with this connection's work on another node, over a new connection: reading the
   * stream in flight from its cursor (a resume, if it has one), or starting the next stream.
   */
  private void hop() {
    Selector selector = key.selector();
    closeChannel();
    if (hopRead && got.cursor > 0 && run.inWindow(System.nanoTime())) {
      tally.resumes++;
    }
    node = hopTo;
    reading = hopRead;
    hopTo = -1;
    hopCursor = got.cursor;
    open(selector);
  }

  /** Starts the next stream, or closes the connection once the run is winding down. */
  private void next() {
    if (run.stopping()) {
      close();
      return;
    }
    if (node != home) { // the last stream was read elsewhere: create the next one at home
      hopLater(home, false);
      return;
    }
    id = null;
    hopCursor = 0;
    got.reset(System.nanoTime());
    switch (plan.transport()) {
      case SSE, POLL -> {
        phase = Phase.CREATE;
        bodyLength = 0;
        send(plan.createRequest(prompt));
      }
      case OPENAI -> {
        phase = Phase.STREAM;
        send(plan.openAiRequest(prompt));
      }
      case WS -> {
        phase = Phase.STREAM;
        send(WsFrames.text(plan.wsGenerate(prompt)));
      }
      default -> throw new IllegalStateException();
    }
  }

  private ByteBuffer events() {
    return ascii(
        "GET /api/generations/"
            + id
            + "/events HTTP/1.1\r\nHost: "
            + plan.hostHeader()
            + (got.cursor > 0 ? "\r\nLast-Event-ID: " + got.cursor : "")
            + "\r\nAccept: text/event-stream\r\n\r\n");
  }

  private void poll() {
    bodyLength = 0;
    send(
        ascii(
            "GET /api/generations/"
                + id
                + "/poll?after="
                + got.cursor
                + "&wait=25 HTTP/1.1\r\nHost: "
                + plan.hostHeader()
                + "\r\n\r\n"));
  }

  // ---- HTTP

  @Override
  public void body(ByteBuffer bytes, int length) {
    if (plan.transport() == Transport.IDLE_SSE) {
      if (!got.gotToken) {
        got.gotToken = true; // the hello comment: the subscription is open
        tally.opened++;
      }
      return;
    }
    if (phase == Phase.STREAM && plan.transport() != Transport.POLL) {
      sse.feed(bytes, length);
      return;
    }
    if (bodyLength + length > body.length) {
      body = Arrays.copyOf(body, Math.max(body.length * 2, bodyLength + length));
    }
    bytes.duplicate().get(body, bodyLength, length);
    bodyLength += length;
  }

  @Override
  public void complete(int status) {
    if (phase == Phase.UPGRADE) {
      if (status != 101) {
        fail("upgrade answered " + status);
        return;
      }
      websocketOpen = true;
      if (plan.transport() == Transport.IDLE_WS) {
        tally.opened++;
      } else {
        next();
      }
      return;
    }
    if (phase == Phase.CREATE) {
      if (status != 201) {
        fail("create answered " + status + ": " + bodyText());
        return;
      }
      id = JsonScan.string(bodyText(), "id", 0);
      phase = Phase.STREAM;
      if (plan.crossRead()) {
        hopLater(node + 1, true);
      } else if (plan.transport() == Transport.SSE) {
        send(events());
      } else {
        poll();
      }
      return;
    }
    if (status != 200) {
      fail(plan.transport().label() + " answered " + status + ": " + bodyText());
      return;
    }
    if (plan.transport() == Transport.POLL) {
      polled(bodyText(), System.nanoTime());
      return;
    }
    if (!got.finished) {
      fail("stream ended before its end event");
      return;
    }
    streamDone();
  }

  private String bodyText() {
    return new String(body, 0, bodyLength, StandardCharsets.UTF_8);
  }

  // ---- long polling: {"tokens":[{"seq":n,"text":"..."},...],"last_seq":m,"done":b,...}

  private void polled(String json, long now) {
    int tokensEnd = json.indexOf("],\"last_seq\":");
    int at = 0;
    int[] end = new int[1];
    boolean counted = false;
    while (true) {
      int seqAt = JsonScan.valueAt(json, "seq", at);
      if (seqAt < 0 || seqAt > tokensEnd) {
        break;
      }
      long seq = JsonScan.number(json, "seq", at, -1);
      String t = JsonScan.string(json, JsonScan.valueAt(json, "text", seqAt), end);
      tokens(seq, seq, t, now, !counted);
      counted = true;
      at = end[0];
    }
    if (json.indexOf("\"done\":true", tokensEnd) > 0) {
      if (json.contains("\"error\":{")) {
        fail("stream failed: " + json.substring(tokensEnd));
        return;
      }
      got.finished = true;
      got.doneTokens = JsonScan.number(json, "last_seq", tokensEnd, -1);
      streamDone();
    } else {
      poll();
    }
  }

  // ---- SSE (gateway and OpenAI formats)

  @Override
  public void event(String name, String eventId, String data) {
    long now = System.nanoTime();
    if (plan.transport() == Transport.OPENAI) {
      openAiEvent(eventId, data, now);
      return;
    }
    switch (name) {
      case "token" -> tokenFrame(data, now);
      case "done" -> {
        got.finished = true;
        got.doneTokens = JsonScan.number(data, "tokens", 0, -1);
      }
      default -> fail("event " + name + ": " + data);
    }
  }

  private void openAiEvent(String eventId, String data, long now) {
    if (data.equals("[DONE]")) {
      return;
    }
    if (data.startsWith("{\"error\"")) {
      fail("in-band error: " + data);
      return;
    }
    int reason = JsonScan.valueAt(data, "finish_reason", 0);
    if (reason > 0 && data.startsWith("null", reason)) {
      long last = Long.parseLong(eventId); // every chunk's id is the cursor after it
      String content = JsonScan.string(data, "content", 0);
      tokens(got.cursor + 1, last, content, now, true);
    } else if (reason > 0) {
      got.finished = true;
      got.doneTokens = Long.parseLong(eventId);
    }
  }

  private void tokenFrame(String data, long now) {
    long seq = JsonScan.number(data, "seq", 0, -1);
    long first = JsonScan.number(data, "first_seq", 0, seq);
    tokens(first, seq, JsonScan.string(data, "text", 0), now, true);
  }

  // ---- WebSocket

  @Override
  public void text(String message) {
    long now = System.nanoTime();
    int typeAt = JsonScan.valueAt(message, "type", 0);
    if (message.startsWith("\"token\"", typeAt)) {
      tokenFrame(message, now);
    } else if (message.startsWith("\"started\"", typeAt)) {
      id = JsonScan.string(message, "id", 0);
    } else if (message.startsWith("\"done\"", typeAt)) {
      got.finished = true;
      got.doneTokens = JsonScan.number(message, "tokens", 0, -1);
      streamDone();
    } else {
      fail("ws: " + message);
    }
  }

  @Override
  public void control(int opcode, byte[] payload) {
    if (opcode == WsFrames.PING) {
      send(WsFrames.frame(WsFrames.PONG, payload));
    } else if (opcode == WsFrames.CLOSE) {
      fail("ws closed by the server");
    }
  }

  // ---- per token

  /** Tokens {@code first..last} (their text concatenated) arrived at {@code now}. */
  private void tokens(long first, long last, String t, long now, boolean frame) {
    got.tokens(tally, run.inWindow(now), first, last, t, now, frame);
    long cursor = got.cursor;
    if (plan.resumeEvery() > 0 && cursor < plan.n() && cursor - hopCursor >= plan.resumeEvery()) {
      hopLater(node + 1, true); // drop the connection and resume on the next node
    }
  }

  private void streamDone() {
    hopTo = -1;
    got.done(tally, prompt);
    if (http.closeAfter()) {
      reconnect();
    } else {
      next();
    }
  }

  // ---- I/O

  private void send(ByteBuffer out) {
    if (phase == Phase.CLOSED) {
      return;
    }
    if (pending != null) { // a pong behind a request: rare; keep both in order
      ByteBuffer both = ByteBuffer.allocate(pending.remaining() + out.remaining());
      pending = both.put(pending).put(out).flip();
      return;
    }
    try {
      channel.write(out);
      if (out.hasRemaining()) {
        pending = out;
        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      }
    } catch (IOException e) {
      fail("write: " + e.getMessage());
    }
  }

  private void fail(String what) {
    if (phase == Phase.CLOSED) {
      return;
    }
    tally.error(what);
    reconnect();
  }

  private void reconnect() {
    Selector selector = key == null ? null : key.selector();
    closeChannel();
    if (run.stopping() || selector == null) {
      close();
      return;
    }
    tally.reconnects++;
    reading = false;
    hopTo = -1;
    node = home; // a failed stream is counted, and the next one starts at home
    websocketOpen = false;
    pending = null;
    phase = null;
    open(selector);
  }

  void close() {
    if (phase == Phase.CLOSED) {
      return;
    }
    phase = Phase.CLOSED;
    closeChannel();
    run.closed();
  }

  /** The run ended with this stream still open: counted, not waited for. */
  boolean abandon() {
    boolean streaming =
        phase == Phase.STREAM
            && plan.transport() != Transport.IDLE_SSE
            && plan.transport() != Transport.IDLE_WS;
    close();
    return streaming;
  }

  private void closeChannel() {
    try {
      if (channel != null) {
        // reset rather than linger in TIME_WAIT: a sweep opens more connections than the
        // loopback has ephemeral ports for in a minute
        if (channel.isConnected()) {
          channel.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
        }
        channel.close();
      }
    } catch (IOException e) {
      // closing a socket we are done with: nothing to recover
    }
  }

  private static ByteBuffer ascii(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
  }
}
