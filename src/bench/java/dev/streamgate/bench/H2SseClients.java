package dev.streamgate.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * SSE over cleartext HTTP/2 (h2c with prior knowledge) for a load run: {@code c} clients, each
 * creating a generation ({@code POST /api/generations}) and reading its {@code /events}, back to
 * back, as HTTP/2 streams on one connection per {@value #STREAMS_PER_CONNECTION} clients (Tomcat's
 * limit of concurrent streams a connection). Netty's HTTP/2 codec does the framing, HPACK and flow
 * control (a stream's window is given back as its frames are read); each connection's streams run
 * on its event loop, with a {@link Tally} per loop.
 */
final class H2SseClients extends ClientPool<H2SseClients.Client> {

  static final int STREAMS_PER_CONNECTION = 50;

  private final MultiThreadIoEventLoopGroup loops;
  private final List<Channel> connections = new ArrayList<>();

  H2SseClients(LoadRun run, int threads) throws InterruptedException {
    super(run);
    loops = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loops)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    channel
                        .pipeline()
                        .addLast(
                            Http2FrameCodecBuilder.forClient().build(),
                            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                  }
                });
    int count = (plan.c() + STREAMS_PER_CONNECTION - 1) / STREAMS_PER_CONNECTION;
    for (int i = 0; i < count; i++) {
      connections.add(bootstrap.connect(plan.host(), plan.port()).sync().channel());
    }
  }

  @Override
  void add(int slot) {
    Client client = new Client(slot);
    client.connection.eventLoop().execute(client::next);
  }

  @Override
  int stop() throws InterruptedException {
    int incomplete = inFlight.size();
    for (Channel connection : connections) {
      connection.close().await(10, TimeUnit.SECONDS);
    }
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    return incomplete;
  }

  /** One client's streams, one after another, all on its connection's event loop. */
  final class Client implements SseParser.Listener {
    private final int prompt;
    private final Channel connection;
    private final Received got;
    private final byte[] create;

    Client(int slot) {
      prompt = slot % plan.prompts();
      connection = connections.get(slot / STREAMS_PER_CONNECTION);
      got = new Received(plan);
      create =
          Plan.generation(prompt, plan.n(), plan.r(), plan.ttftMs(), false)
              .getBytes(StandardCharsets.UTF_8);
    }

    void next() {
      if (!connection.isActive()) { // gone: this client stops, and says so once
        inFlight.remove(this);
        tally().error("the HTTP/2 connection closed");
        run.closed();
        return;
      }
      if (run.stopping()) {
        inFlight.remove(this);
        run.closed();
        return;
      }
      inFlight.add(this);
      got.reset(System.nanoTime());
      StringBuilder body = new StringBuilder();
      open(
          headers("POST", "/api/generations").add("content-type", "application/json"),
          Unpooled.wrappedBuffer(create),
          new Response() {
            @Override
            void data(ByteBuf content) {
              body.append(content.toString(StandardCharsets.UTF_8));
            }

            @Override
            void end(int status) {
              if (status != 201) {
                fail("create answered " + status + ": " + body);
              } else {
                events(JsonScan.string(body.toString(), "id", 0));
              }
            }
          });
    }

    private void events(String id) {
      SseParser sse = new SseParser(this);
      open(
          headers("GET", "/api/generations/" + id + "/events").add("accept", "text/event-stream"),
          null,
          new Response() {
            @Override
            void data(ByteBuf content) {
              sse.feed(content.nioBuffer(), content.readableBytes());
            }

            @Override
            void end(int status) {
              if (status != 200) {
                fail("events answered " + status);
              } else if (!got.finished) {
                fail("the stream ended before its end event");
              } else {
                got.done(tally(), prompt);
                next();
              }
            }
          });
    }

    @Override
    public void event(String name, String id, String data) {
      long now = System.nanoTime();
      switch (name) {
        case "token" -> {
          long seq = JsonScan.number(data, "seq", 0, -1);
          long first = JsonScan.number(data, "first_seq", 0, seq);
          got.tokens(
              tally(),
              run.inWindow(now),
              first,
              seq,
              JsonScan.string(data, "text", 0),
              now,
              true);
        }
        case "done" -> {
          got.finished = true;
          got.doneTokens = JsonScan.number(data, "tokens", 0, -1);
        }
        default -> tally().error("event " + name + ": " + data);
      }
    }

    private Http2Headers headers(String method, String path) {
      return new DefaultHttp2Headers()
          .method(method)
          .path(path)
          .scheme("http")
          .authority(plan.hostHeader());
    }

    /** Opens a stream on the connection, sends the request, and hands the answer to {@code to}. */
    private void open(Http2Headers headers, ByteBuf body, Response to) {
      new Http2StreamChannelBootstrap(connection)
          .handler(to)
          .open()
          .addListener(
              opened -> {
                if (!opened.isSuccess()) {
                  if (body != null) {
                    body.release();
                  }
                  fail("open a stream: " + opened.cause());
                  return;
                }
                Http2StreamChannel stream = (Http2StreamChannel) opened.getNow();
                stream.write(new DefaultHttp2HeadersFrame(headers, body == null));
                if (body != null) {
                  stream.write(new DefaultHttp2DataFrame(body, true));
                }
                stream.flush();
              });
    }

    private void fail(String what) {
      failed(this, what, this::next);
    }
  }

  /** One stream's answer: its status, its body as it comes, and its end (once). */
  private abstract static class Response extends ChannelInboundHandlerAdapter {
    private int status;
    private boolean ended;

    abstract void data(ByteBuf content);

    abstract void end(int status);

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
      boolean last = false;
      if (message instanceof Http2HeadersFrame headers) {
        if (headers.headers().status() != null) {
          status = Integer.parseInt(headers.headers().status().toString());
        }
        last = headers.isEndStream();
      } else if (message instanceof Http2DataFrame frame) {
        try {
          data(frame.content());
          last = frame.isEndStream();
        } finally {
          frame.release();
        }
      }
      if (last && !ended) {
        ended = true;
        context.close();
        end(status);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
      if (!ended) {
        ended = true;
        end(-1); // reset, or the connection went
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
      context.close();
    }
  }
}
