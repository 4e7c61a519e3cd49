package dev.streamgate.bench;

import dev.streamgate.transport.grpc.v1.GenerateRequest;
import dev.streamgate.transport.grpc.v1.Message;
import dev.streamgate.transport.grpc.v1.Simulation;
import dev.streamgate.transport.grpc.v1.StreamEvent;
import dev.streamgate.transport.grpc.v1.StreamGateGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC side of a load run: {@code c} clients, each running {@code Generate} calls back to back
 * over h2c, on one HTTP/2 connection per {@value #STREAMS_PER_CONNECTION} clients (Tomcat lets a
 * connection carry 100 streams at once; more would queue in the client). Every call's callbacks run
 * on its connection's event loop ({@code directExecutor}), so each of the {@code threads} loops
 * keeps a {@link Tally} of its own, as a selector loop does.
 */
final class GrpcClients extends ClientPool<GrpcClients.Client> {

  static final int STREAMS_PER_CONNECTION = 100;

  private final NioEventLoopGroup loops;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<GenerateRequest> requests = new ArrayList<>();

  GrpcClients(LoadRun run, int threads) {
    super(run);
    loops = new NioEventLoopGroup(threads);
    int connections = (plan.c() + STREAMS_PER_CONNECTION - 1) / STREAMS_PER_CONNECTION;
    for (int i = 0; i < connections; i++) {
      channels.add(
          NettyChannelBuilder.forAddress(plan.host(), plan.port())
              .usePlaintext()
              .eventLoopGroup(loops)
              .channelType(NioSocketChannel.class)
              .directExecutor()
              .build());
    }
    for (int prompt = 0; prompt < plan.prompts(); prompt++) {
      requests.add(
          GenerateRequest.newBuilder()
              .setModel("simulated")
              .addMessages(Message.newBuilder().setRole("user").setContent(Plan.prompt(prompt)))
              .setMaxTokens(plan.n())
              .setSimulation(
                  Simulation.newBuilder()
                      .setTtftMs(plan.ttftMs())
                      .setTokensPerSecond(plan.r())
                      .setSeed(1)
                      .setLength(plan.n()))
              .build());
    }
  }

  @Override
  void add(int slot) {
    new Client(slot).next();
  }

  @Override
  int stop() throws InterruptedException {
    int incomplete = inFlight.size();
    inFlight.forEach(client -> client.call.cancel("the run is over", null));
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
    for (ManagedChannel channel : channels) {
      channel.awaitTermination(10, TimeUnit.SECONDS);
    }
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    return incomplete;
  }

  final class Client implements ClientResponseObserver<GenerateRequest, StreamEvent> {
    private final int prompt;
    private final StreamGateGrpc.StreamGateStub stub;
    private final Received got;
    private volatile ClientCallStreamObserver<GenerateRequest> call;

    Client(int slot) {
      prompt = slot % plan.prompts();
      stub = StreamGateGrpc.newStub(channels.get(slot / STREAMS_PER_CONNECTION));
      got = new Received(plan);
    }

    void next() {
      if (run.stopping()) {
        run.closed();
        return;
      }
      got.reset(System.nanoTime());
      stub.generate(requests.get(prompt), this);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<GenerateRequest> call) {
      this.call = call;
      inFlight.add(this);
    }

    @Override
    public void onNext(StreamEvent event) {
      long now = System.nanoTime();
      Tally mine = tally();
      switch (event.getEventCase()) {
        case TOKEN -> {
          var token = event.getToken();
          got.tokens(
              mine,
              run.inWindow(now),
              token.getFirstSeq(),
              token.getSeq(),
              token.getText(),
              now,
              true);
        }
        case DONE -> {
          got.finished = true;
          got.doneTokens = event.getDone().getTokens();
        }
        case ERROR -> mine.error("grpc error event: " + event.getError().getCode());
        default -> {} // started
      }
    }

    @Override
    public void onCompleted() {
      inFlight.remove(this);
      Tally mine = tally();
      if (got.finished) {
        got.done(mine, prompt);
      } else {
        mine.error("grpc: the call ended before its end event");
      }
      next();
    }

    @Override
    public void onError(Throwable failure) {
      failed(this, "grpc: " + Status.fromThrowable(failure), this::next);
    }
  }
}
