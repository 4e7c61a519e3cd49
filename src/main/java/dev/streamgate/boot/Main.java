package dev.streamgate.boot;

import dev.streamgate.generation.ModelCatalog;
import dev.streamgate.runtime.Settings;
import dev.streamgate.security.AccessPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.coyote.http2.Http2Protocol;

/**
 * Serves the built webapp on embedded Tomcat: {@code mvn -q -DskipTests package exec:java}. Port
 * from {@code STREAMGATE_PORT} (default 8080); the webapp from {@code STREAMGATE_WEBAPP} (default
 * the exploded {@code target/streamgate}).
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    Tomcat tomcat;
    try {
      tomcat = start();
    } catch (IllegalArgumentException | IllegalStateException refused) {
      System.err.println(refused.getMessage());
      System.exit(2);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> drainAndStop(tomcat), "streamgate-shutdown"));
    System.out.println(
        "StreamGate is serving on http://localhost:"
            + tomcat.getConnector().getLocalPort()
            + "/"
            + (tlsPort(tomcat) < 0 ? "" : " and https://localhost:" + tlsPort(tomcat) + "/"));
    tomcat.getServer().await();
  }

  /** Starts as the settings say: STREAMGATE_PORT, STREAMGATE_WEBAPP and all the others. */
  public static Tomcat start() throws Exception {
    Settings settings = new Settings();
    try {
      settings.port();
      settings.webapp();
    } catch (IllegalArgumentException bad) {
      throw cannotStart(bad);
    }
    return start(settings.port(), settings.webapp());
  }

  /**
   * Starts Tomcat with the webapp at the root context; tests use this too. Every setting is read
   * and checked first: a bad one stops the start, named, before anything listens.
   */
  public static Tomcat start(int port, Path webapp) throws Exception {
    Settings settings = new Settings();
    try {
      settings.checkAll();
      settings.checkLauncher();
      checkApplication(settings);
      logFormat(settings.logFormat());
    } catch (IllegalArgumentException bad) {
      throw cannotStart(bad);
    }
    boolean accessLog = settings.accessLog();
    Tls tls;
    try {
      tls = Tls.of(settings);
    } catch (IllegalArgumentException bad) {
      throw cannotStart(bad);
    }
    Tomcat tomcat = new Tomcat();
    Path base = Files.createTempDirectory("streamgate-tomcat");
    tomcat.setBaseDir(base.toString());
    tomcat.getHost().setAppBase(base.toString());
    Connector connector = new Connector(new StreamingHttp11Protocol());
    connector.setPort(port);
    configure(connector);
    if (settings.http2()) {
      connector.addUpgradeProtocol(http2(settings)); // h2c, by upgrade or with prior knowledge
    }
    tomcat.setConnector(connector);
    if (tls != null) {
      Connector secure = new Connector(new StreamingHttp11Protocol());
      configure(secure);
      tls.secure(secure, settings.http2() ? http2(settings) : null);
      tomcat.getService().addConnector(secure);
    }
    if (accessLog) {
      tomcat.getHost().getPipeline().addValve(new AccessLog());
    }
    // Tomcat's own refusals (a broken header, before any webapp) as problem+json, not HTML.
    ((StandardHost) tomcat.getHost()).setErrorReportValveClass(ProblemReportValve.class.getName());
    // The default web.xml would add Tomcat's JSP servlet, and Jasper is not here: add only the
    // static-file servlet the page needs.
    tomcat.setAddDefaultWebXmlToWebapp(false);
    Context context = tomcat.addWebapp("", webapp.toAbsolutePath().toString());
    Wrapper files = Tomcat.addServlet(context, "default", DefaultServlet.class.getName());
    files.setLoadOnStartup(1);
    context.addServletMappingDecoded("/", "default");
    Tomcat.addDefaultMimeTypeMappings(context);
    context.addWelcomeFile("index.html");
    // Under exec:java, Tomcat and the Jakarta APIs live in the plugin's class loader, not the
    // system one: the webapp (and Tomcat's own startup threads) must look there.
    context.setParentClassLoader(Main.class.getClassLoader());
    Thread.currentThread().setContextClassLoader(Main.class.getClassLoader());
    tomcat.start();
    for (Connector started : tomcat.getService().findConnectors()) {
      if (!started.getState().isAvailable()) {
        tomcat.stop();
        tomcat.destroy();
        throw new IllegalStateException(
            "StreamGate did not start: port "
                + started.getPort()
                + (started.getSecure() ? " (STREAMGATE_TLS_PORT)" : " (STREAMGATE_PORT)")
                + " could not be opened; the reason is in the log above.");
      }
    }
    if (!context.getState().isAvailable()) {
      // The webapp refused to start (a bad setting names itself in the log above): do not go on
      // serving 404s as if nothing were wrong.
      tomcat.stop();
      tomcat.destroy();
      throw new IllegalStateException("StreamGate did not start: its error is in the log above.");
    }
    return tomcat;
  }

  private static IllegalArgumentException cannotStart(IllegalArgumentException bad) {
    return new IllegalArgumentException("StreamGate cannot start: " + bad.getMessage(), bad);
  }

  /**
   * The settings the application's beans parse themselves as it starts (keys, origins, models),
   * parsed here the same way first, so the launcher names a bad one and exits instead of starting a
   * webapp that fails. On other containers the deployment fails with the same message. Only JDK and
   * our own classes are used: the launcher's class path has Tomcat, not the webapp's libraries.
   */
  private static void checkApplication(Settings settings) {
    new AccessPolicy(settings).load();
    ModelCatalog.upstreams(settings.entries("STREAMGATE_MODELS"), System::getenv);
  }

  /** {@code text} (the JDK's lines) or {@code json} (one object a line) for every log handler. */
  private static void logFormat(String format) {
    if (format.equals("json")) {
      // Tomcat's logging sets the console's formatter as it is first used: let it, then ours.
      org.apache.juli.logging.LogFactory.getLog(Main.class).debug("log format: json");
      for (java.util.logging.Handler handler :
          java.util.logging.Logger.getLogger("").getHandlers()) {
        handler.setFormatter(new JsonLogFormatter());
      }
    }
  }

  /**
   * The connector settings for many long-lived streams; docker/tomcat/server.xml holds the same for
   * a standalone Tomcat (DockerFilesIT compares the two).
   */
  public static void configure(Connector connector) {
    // Streams are long-lived and many: accept and hold far more connections than threads.
    // All interfaces by default, as a container needs; 127.0.0.1 keeps a dev gateway private.
    Settings settings = new Settings();
    connector.setProperty("address", settings.address());
    connector.setProperty("maxConnections", Integer.toString(settings.maxConnections()));
    connector.setProperty("acceptCount", "4096"); // the kernel caps it at net.core.somaxconn
    // An open stream holds its socket's buffers for as long as it lasts, and our frames are small:
    // 2 KB instead of 8 KB each way halves the heap an idle SSE connection costs.
    connector.setProperty("socket.appReadBufSize", "2048");
    connector.setProperty("socket.appWriteBufSize", "2048");
    connector.setProperty("maxHttpResponseHeaderSize", "4096");
    connector.setProperty("maxThreads", Integer.toString(settings.maxThreads()));
    // Every open stream holds a request processor. Beyond the cache (200 by default) Tomcat makes
    // and registers (JMX, under a lock) a new one for each request and drops it afterwards: with
    // thousands of streams that churn was the server's largest wait. Keep as many as connections.
    connector.setProperty("processorCache", "-1");
    // The read timeout must outlast STREAMGATE_BODY_TIMEOUT, so a stalled upload is answered 408
    // by the gateway rather than cut without a word by the connector.
    long bodyTimeout = settings.bodyTimeout().toMillis(); // as set now, for this start
    connector.setProperty(
        "connectionTimeout", Long.toString(Math.max(20_000, bodyTimeout + 5_000)));
    connector.setProperty("keepAliveTimeout", "60000");
    connector.setProperty("maxKeepAliveRequests", "-1");
    if (connector.getProtocolHandler() instanceof Http11NioProtocol http) {
      http.setUseSendfile(false);
    }
  }

  /**
   * HTTP/2 for both connectors when STREAMGATE_HTTP2 is on: h2c on the plain one (by upgrade or
   * with prior knowledge), h2 by ALPN on the TLS one. Tomcat writes HTTP/2 frames with blocking
   * socket writes, so the gateway writes to HTTP/2 clients on threads of their own (Scheduling's
   * blockingWrites), and a write may block as long as the stuck timeout, after which the gateway
   * drops the client anyway (Tomcat's default is 5 s). Tomcat's other defaults hold: 100 streams a
   * connection (a browser puts every stream to an origin on one connection) and 20 of them in a
   * request thread at once, so one connection cannot take every thread.
   */
  static Http2Protocol http2(Settings settings) {
    Http2Protocol http2 = new Http2Protocol();
    http2.setWriteTimeout(settings.stuckTimeout().toMillis());
    return http2;
  }

  /** The HTTPS connector's port, or -1 when STREAMGATE_TLS_CERT is not set. */
  public static int tlsPort(Tomcat tomcat) {
    for (Connector connector : tomcat.getService().findConnectors()) {
      if (connector.getSecure()) {
        return connector.getLocalPort();
      }
    }
    return -1;
  }

  /**
   * HTTP/1.1 with a 2 KB response buffer instead of Tomcat's fixed 8 KB (plus its 16 KB char
   * buffer): every open stream keeps its response, and a frame is a few hundred bytes. Larger
   * bodies are written through the buffer in pieces, which is what happens to them at 8 KB too.
   */
  private static final class StreamingHttp11Protocol extends Http11NioProtocol {
    @Override
    public int getDesiredBufferSize() {
      return 2048;
    }
  }

  /**
   * What SIGTERM does: drains first, while the connector still answers (the webapp's DrainHook:
   * readiness says DRAINING, new generations get 503, running ones get STREAMGATE_DRAIN_TIMEOUT to
   * end), then stops Tomcat.
   */
  public static void drainAndStop(Tomcat tomcat) {
    if (tomcat.getHost().findChild("") instanceof Context context
        && context.getServletContext().getAttribute("dev.streamgate.drain")
            instanceof Runnable drain) {
      drain.run();
    }
    try {
      tomcat.stop();
      tomcat.destroy();
    } catch (Exception e) {
      System.err.println("Tomcat did not stop cleanly: " + e);
    }
  }
}
