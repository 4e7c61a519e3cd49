package dev.streamgate.transport.grpc;

import dev.streamgate.generation.TraceContext;
import dev.streamgate.security.AccessPolicy;
import dev.streamgate.security.Caller;
import dev.streamgate.web.Problem;
import dev.streamgate.web.Problems;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a call's metadata says, found before the service sees it: the caller (the same API keys as
 * every transport's {@code Authorization} header; a bad one ends the call UNAUTHENTICATED) and the
 * trace context; and a place for the service to put the generation's id, which goes out as the
 * {@code streamgate-generation} response header.
 */
final class CallContext implements ServerInterceptor {

  static final Context.Key<Caller> CALLER = Context.key("streamgate-caller");
  static final Context.Key<TraceContext> TRACE = Context.key("streamgate-trace");
  private static final Context.Key<AtomicReference<String>> GENERATION =
      Context.key("streamgate-generation");

  private final AccessPolicy access;

  CallContext(AccessPolicy access) {
    this.access = access;
  }

  /**
   * Names the generation this call streams, in its response headers (sent with the first event).
   */
  static void generation(String id) {
    AtomicReference<String> header = GENERATION.get();
    if (header != null) {
      header.set(id);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    AtomicReference<String> generation = new AtomicReference<>();
    HeadersFirst<Q, R> named = new HeadersFirst<>(call, generation);
    Caller caller;
    try {
      caller = access.authenticate(headers.get(GrpcCodec.AUTHORIZATION), null, null);
    } catch (RuntimeException refused) {
      Problem problem = Problems.of(refused);
      named.close(GrpcCodec.status(problem), GrpcCodec.trailers(problem, 0));
      return new ServerCall.Listener<>() {};
    }
    Context context =
        Context.current()
            .withValue(CALLER, caller)
            .withValue(
                TRACE,
                TraceContext.of(
                    headers.get(GrpcCodec.TRACEPARENT), headers.get(GrpcCodec.TRACESTATE)))
            .withValue(GENERATION, generation);
    return Contexts.interceptCall(context, named, headers, next);
  }

  /**
   * Sends the response headers (with the generation's id, once there is one) before anything else,
   * a refusal's trailers included. A refused call would otherwise be "trailers-only", which Tomcat
   * writes as headers and then an empty DATA frame that ends the stream: gRPC clients take that as
   * INTERNAL ("unexpected EOS on empty DATA frame") and lose the real status (grpc-java #10124).
   */
  private static final class HeadersFirst<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private final AtomicReference<String> generation;
    private volatile boolean headersSent;

    HeadersFirst(ServerCall<Q, R> call, AtomicReference<String> generation) {
      super(call);
      this.generation = generation;
    }

    @Override
    public void sendHeaders(Metadata responseHeaders) {
      headersSent = true;
      String id = generation.get();
      if (id != null) {
        responseHeaders.put(GrpcCodec.GENERATION, id);
      }
      super.sendHeaders(responseHeaders);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (!headersSent) {
        sendHeaders(new Metadata());
      }
      super.close(status, trailers);
    }
  }
}
