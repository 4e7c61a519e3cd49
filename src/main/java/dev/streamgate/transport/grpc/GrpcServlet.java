package dev.streamgate.transport.grpc;

import dev.streamgate.runtime.Containers;
import dev.streamgate.runtime.Settings;
import dev.streamgate.security.AccessPolicy;
import dev.streamgate.transport.Streams;
import dev.streamgate.web.Problem;
import dev.streamgate.web.ProblemResponses;
import io.grpc.ServerInterceptors;
import io.grpc.servlet.jakarta.ServletAdapter;
import io.grpc.servlet.jakarta.ServletServerBuilder;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.logging.Logger;

/**
 * gRPC on the servlet container ({@code grpc-servlet-jakarta}), mapped to {@code
 * /streamgate.v1.StreamGate/*} in web.xml. gRPC needs HTTP/2: on the launcher {@code
 * STREAMGATE_HTTP2=true} (h2c on the plain port, h2 on the TLS one); a standalone Tomcat needs
 * {@code Http2Protocol} on its connector. Not supported on Payara, whose Grizzly HTTP/2 loses a
 * response's data when trailers end it (glassfish-grizzly#2016): said once in the log at start.
 */
public class GrpcServlet extends HttpServlet {

  private static final Logger LOG = Logger.getLogger(GrpcServlet.class.getName());

  @Inject Streams streams;
  @Inject AccessPolicy access;
  @Inject Settings settings;

  private ServletAdapter adapter;

  @Override
  public void init() {
    var service = new StreamGateService(streams);
    adapter =
        new ServletServerBuilder()
            .addService(ServerInterceptors.intercept(service, new CallContext(access)))
            .maxInboundMessageSize(settings.maxBodyBytes())
            .buildServletAdapter();
    if (Containers.isGrizzly(getServletContext())) {
      LOG.warning(
          "gRPC is not supported on "
              + getServletContext().getServerInfo()
              + ": its HTTP/2 can lose a call's answer when the trailers end it"
              + " (glassfish-grizzly#2016). Use SSE, WebSocket, long polling or /v1 here, or gRPC"
              + " on Tomcat.");
    }
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (!"POST".equals(request.getMethod())) {
      response.setHeader("Allow", "POST");
      ProblemResponses.write(
          response,
          Problem.of(405, "method_not_allowed", "gRPC calls are POSTs from a gRPC client."),
          0);
      return;
    }
    if (!ServletAdapter.isGrpc(request)) {
      ProblemResponses.write(
          response,
          Problem.of(
              415,
              "unsupported_media_type",
              "This is the gRPC service streamgate.v1.StreamGate: send application/grpc."),
          0);
      return;
    }
    adapter.doPost(new AtRoot(request), response);
  }

  @Override
  public void destroy() {
    adapter.destroy();
  }

  /**
   * The request as gRPC reads it: its method is the URI without the leading slash, so the WAR's
   * context path (if it has one) is taken off.
   */
  private static final class AtRoot extends HttpServletRequestWrapper {
    AtRoot(HttpServletRequest request) {
      super(request);
    }

    @Override
    public String getRequestURI() {
      return super.getRequestURI().substring(getContextPath().length());
    }
  }
}
