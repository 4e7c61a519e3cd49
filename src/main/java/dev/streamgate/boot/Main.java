package dev.streamgate.boot;

import dev.streamgate.runtime.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http11.Http11NioProtocol;

/**
 * Serves the built webapp on embedded Tomcat: {@code mvn -q -DskipTests package exec:java}. Port
 * from {@code STREAMGATE_PORT} (default 8080); the webapp from {@code STREAMGATE_WEBAPP} (default
 * the exploded {@code target/streamgate}).
 */
public final class Main {

  private static final Settings SETTINGS = new Settings();

  private Main() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(setting("STREAMGATE_PORT", "8080"));
    Path webapp = Path.of(setting("STREAMGATE_WEBAPP", "target/streamgate")).toAbsolutePath();
    if (!Files.isDirectory(webapp) && !Files.isRegularFile(webapp)) {
      System.err.println("No webapp at " + webapp + ": run `mvn package` first.");
      System.exit(2);
    }
    Tomcat tomcat;
    try {
      tomcat = start(port, webapp);
    } catch (IllegalArgumentException | IllegalStateException refused) {
      System.err.println(refused.getMessage());
      System.exit(2);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> drainAndStop(tomcat), "streamgate-shutdown"));
    System.out.println("StreamGate is serving on http://localhost:" + port + "/");
    tomcat.getServer().await();
  }

  /** Starts Tomcat with the webapp at the root context; tests use this too. */
  public static Tomcat start(int port, Path webapp) throws Exception {
    Settings settings = new Settings();
    boolean accessLog;
    try {
      settings.checkAll(); // a bad setting stops here, named, before anything listens
      logFormat(settings.string("STREAMGATE_LOG_FORMAT", "text"));
      accessLog = settings.bool("STREAMGATE_ACCESS_LOG", true);
    } catch (IllegalArgumentException bad) {
      throw new IllegalArgumentException("StreamGate cannot start: " + bad.getMessage(), bad);
    }
    Tomcat tomcat = new Tomcat();
    Path base = Files.createTempDirectory("streamgate-tomcat");
    tomcat.setBaseDir(base.toString());
    tomcat.getHost().setAppBase(base.toString());
    Connector connector = new Connector(new StreamingHttp11Protocol());
    connector.setPort(port);
    configure(connector);
    tomcat.setConnector(connector);
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
    if (!context.getState().isAvailable()) {
      // The webapp refused to start (a bad setting names itself in the log above): do not go on
      // serving 404s as if nothing were wrong.
      tomcat.stop();
      tomcat.destroy();
      throw new IllegalStateException("StreamGate did not start: its error is in the log above.");
    }
    return tomcat;
  }

  /** {@code text} (the JDK's lines) or {@code json} (one object a line) for every log handler. */
  private static void logFormat(String format) {
    switch (format) {
      case "text" -> {}
      case "json" -> {
        // Tomcat's logging sets the console's formatter as it is first used: let it, then ours.
        org.apache.juli.logging.LogFactory.getLog(Main.class).debug("log format: json");
        for (java.util.logging.Handler handler :
            java.util.logging.Logger.getLogger("").getHandlers()) {
          handler.setFormatter(new JsonLogFormatter());
        }
      }
      default ->
          throw new IllegalArgumentException(
              "STREAMGATE_LOG_FORMAT is not text or json: " + format);
    }
  }

  /**
   * The connector settings for many long-lived streams; docker/tomcat/server.xml holds the same for
   * a standalone Tomcat (DockerFilesIT compares the two).
   */
  public static void configure(Connector connector) {
    // Streams are long-lived and many: accept and hold far more connections than threads.
    // All interfaces by default, as a container needs; 127.0.0.1 keeps a dev gateway private.
    connector.setProperty("address", setting("STREAMGATE_ADDRESS", "0.0.0.0"));
    connector.setProperty("maxConnections", setting("STREAMGATE_MAX_CONNECTIONS", "20000"));
    connector.setProperty("acceptCount", "4096"); // the kernel caps it at net.core.somaxconn
    // An open stream holds its socket's buffers for as long as it lasts, and our frames are small:
    // 2 KB instead of 8 KB each way halves the heap an idle SSE connection costs.
    connector.setProperty("socket.appReadBufSize", "2048");
    connector.setProperty("socket.appWriteBufSize", "2048");
    connector.setProperty("maxHttpResponseHeaderSize", "4096");
    connector.setProperty("maxThreads", setting("STREAMGATE_MAX_THREADS", "200"));
    // Every open stream holds a request processor. Beyond the cache (200 by default) Tomcat makes
    // and registers (JMX, under a lock) a new one for each request and drops it afterwards: with
    // thousands of streams that churn was the server's largest wait. Keep as many as connections.
    connector.setProperty("processorCache", "-1");
    // The read timeout must outlast STREAMGATE_BODY_TIMEOUT, so a stalled upload is answered 408
    // by the gateway rather than cut without a word by the connector.
    long bodyTimeout = new Settings().bodyTimeout().toMillis(); // as set now, for this start
    connector.setProperty(
        "connectionTimeout", Long.toString(Math.max(20_000, bodyTimeout + 5_000)));
    connector.setProperty("keepAliveTimeout", "60000");
    connector.setProperty("maxKeepAliveRequests", "-1");
    if (connector.getProtocolHandler() instanceof Http11NioProtocol http) {
      http.setUseSendfile(false);
    }
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

  private static String setting(String name, String fallback) {
    return SETTINGS.string(name, fallback);
  }
}
