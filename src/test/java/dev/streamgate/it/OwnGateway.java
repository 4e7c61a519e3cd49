package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A gateway of a suite's own, with settings of its own (read as it starts), on the runtime the test
 * run exercises ({@link TestRuntime}): the embedded launcher in the test JVM, a standalone Tomcat
 * started from the distribution with {@code docker/tomcat/server.xml}, or Payara Micro. Each gets
 * the run's shared {@code streamgate.*} settings, then the suite's, and listens on a free loopback
 * port. The suites that use it are tagged {@code own-server}, which the tomcat and payara runs
 * select.
 */
interface OwnGateway {

  /** The gateway's client, for its base URL (with the context path). */
  Gateway gateway();

  /** The port it listens on, for raw-socket clients. */
  int port();

  /** The context path, {@code /} or {@code /streamgate/}, for raw-socket request lines. */
  String contextPath();

  /**
   * The HTTPS port, when the suite's settings give a certificate (streamgate.tls-cert); else -1.
   */
  int tlsPort();

  /** Whether Tomcat's own connector metrics are served (not on Payara, whose HTTP is Grizzly). */
  default boolean servesTomcatMetrics() {
    return TestRuntime.CURRENT != TestRuntime.PAYARA;
  }

  /**
   * Whether a request the container refuses before any webapp sees it (a broken or huge header) is
   * answered as problem+json: the launcher's error valve does; a standalone Tomcat and Payara write
   * their own page (README, "Errors"), so there only the status is the gateway's contract.
   */
  default boolean answersContainerRefusalsAsProblemJson() {
    return TestRuntime.CURRENT == TestRuntime.EMBEDDED;
  }

  /**
   * Whether the runtime closes a connection at once after an answer with {@code Connection: close}
   * while the request's body is still owed (a stalled upload's 408, a chunked body past the limit).
   * Tomcat does. Payara's Grizzly keeps such a connection until its own idle timeout (30 s) before
   * closing it: the answer is given at once and no thread waits, but the close comes later.
   */
  default boolean closesAConnectionWhoseBodyIsOwed() {
    return TestRuntime.CURRENT != TestRuntime.PAYARA;
  }

  void stop() throws Exception;

  /** Starts one on the run's runtime and waits until its {@code /health} answers 200. */
  static OwnGateway start(Map<String, String> settings) throws Exception {
    return switch (TestRuntime.CURRENT) {
      case EMBEDDED -> OwnLauncher.start(settings);
      case TOMCAT -> Process.tomcat(settings);
      case PAYARA -> Process.payara(settings);
    };
  }

  /** A runtime in a JVM of its own, stopped with SIGTERM as an orchestrator would. */
  record Process(java.lang.Process process, int port, int tlsPort, Gateway gateway, Path log)
      implements OwnGateway {

    /** Shared settings that are not the gateway's, or that point at the shared servers. */
    private static final List<String> NOT_PASSED =
        List.of(
            "streamgate.base-url",
            "streamgate.runtime",
            "streamgate.war",
            "streamgate.payara-war",
            "streamgate.payara-micro",
            "streamgate.tomcat-home",
            "streamgate.nginx-conf",
            "streamgate.models");

    @Override
    public String contextPath() {
      return "/streamgate/";
    }

    /** The run's shared streamgate.* settings, then the suite's, as -D arguments. */
    private static List<String> settings(Map<String, String> own) {
      Map<String, String> all = new TreeMap<>();
      System.getProperties()
          .forEach(
              (name, value) -> {
                String key = name.toString();
                if (key.startsWith("streamgate.") && !NOT_PASSED.contains(key)) {
                  all.put(key, value.toString());
                }
              });
      all.putAll(own);
      List<String> arguments = new ArrayList<>();
      all.forEach((name, value) -> arguments.add("-D" + name + "=" + value));
      return arguments;
    }

    private static Path file(String property) {
      Path path = Path.of(System.getProperty(property, "(" + property + " is not set)"));
      if (!Files.exists(path)) {
        fail(property + " names nothing: " + path + " (run the tests with mvn verify)");
      }
      return path;
    }

    private static String java() {
      return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * target/streamgate.war at /streamgate on Tomcat from the distribution, with our server.xml.
     */
    static Process tomcat(Map<String, String> own) throws Exception {
      Path home = file("streamgate.tomcat-home");
      Path base = Files.createTempDirectory(Path.of("target"), "own-tomcat-");
      for (String dir : List.of("conf", "logs", "temp", "work", "webapps")) {
        Files.createDirectories(base.resolve(dir));
      }
      for (String conf : List.of("web.xml", "context.xml", "catalina.properties")) {
        Files.copy(home.resolve("conf").resolve(conf), base.resolve("conf").resolve(conf));
      }
      String serverXml = Files.readString(Path.of("docker", "tomcat", "server.xml"));
      if ("true".equals(own.get("streamgate.http2"))) {
        // HTTP/2 (h2c) as the README tells a standalone Tomcat: Http2Protocol on the connector
        serverXml =
            serverXml.replace(
                "URIEncoding=\"UTF-8\" />",
                "URIEncoding=\"UTF-8\">\n"
                    + "      <UpgradeProtocol className=\"org.apache.coyote.http2.Http2Protocol\"/>\n"
                    + "    </Connector>");
      }
      int tlsPort = -1;
      if (own.containsKey("streamgate.tls-cert")) {
        // HTTPS as the README tells a standalone Tomcat: a TLS connector, HTTP/2 by ALPN on it
        tlsPort = GatewayNode.freePort();
        serverXml =
            serverXml.replace(
                "    <Engine ",
                "    <Connector port=\""
                    + tlsPort
                    + "\" address=\"127.0.0.1\""
                    + " protocol=\"org.apache.coyote.http11.Http11NioProtocol\""
                    + " SSLEnabled=\"true\" scheme=\"https\" secure=\"true\">\n"
                    + "      <UpgradeProtocol className=\"org.apache.coyote.http2.Http2Protocol\"/>\n"
                    + "      <SSLHostConfig>\n"
                    + "        <Certificate certificateFile=\""
                    + Path.of(own.get("streamgate.tls-cert")).toAbsolutePath()
                    + "\" certificateKeyFile=\""
                    + Path.of(own.get("streamgate.tls-key")).toAbsolutePath()
                    + "\"/>\n"
                    + "      </SSLHostConfig>\n"
                    + "    </Connector>\n\n"
                    + "    <Engine ");
      }
      Files.writeString(base.resolve("conf").resolve("server.xml"), serverXml);
      Files.copy(
          file("streamgate.war"),
          base.resolve("webapps").resolve("streamgate.war"),
          StandardCopyOption.REPLACE_EXISTING);
      int port = GatewayNode.freePort();
      List<String> command = new ArrayList<>();
      command.add(java());
      command.add("-Xmx384m");
      command.add("-XX:TieredStopAtLevel=1");
      command.add("-Dcatalina.home=" + home.toAbsolutePath());
      command.add("-Dcatalina.base=" + base.toAbsolutePath());
      command.add("-Djava.io.tmpdir=" + base.resolve("temp").toAbsolutePath());
      // ${STREAMGATE_*:-default} in server.xml from the environment, as the Docker image does
      command.add(
          "-Dorg.apache.tomcat.util.digester.PROPERTY_SOURCE="
              + "org.apache.tomcat.util.digester.EnvironmentPropertySource");
      command.addAll(settings(own));
      command.add("-cp");
      command.add(
          home.resolve("bin/bootstrap.jar").toAbsolutePath()
              + java.io.File.pathSeparator
              + home.resolve("bin/tomcat-juli.jar").toAbsolutePath());
      command.add("org.apache.catalina.startup.Bootstrap");
      command.add("start");
      ProcessBuilder builder = new ProcessBuilder(command);
      // server.xml reads ${STREAMGATE_*} from the environment (STREAMGATE_MAX_THREADS, ...)
      own.forEach(
          (name, value) ->
              builder
                  .environment()
                  .put(
                      name.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'),
                      value));
      builder.environment().put("STREAMGATE_PORT", Integer.toString(port));
      builder.environment().put("STREAMGATE_ADDRESS", "127.0.0.1");
      return launch(builder, port, tlsPort, base.resolve("logs").resolve("console.log"));
    }

    /** target/streamgate-payara.war at /streamgate on Payara Micro, loopback only. */
    static Process payara(Map<String, String> own) throws Exception {
      Path root = Files.createTempDirectory(Path.of("target"), "own-payara-");
      int port = GatewayNode.freePort();
      // Payara's request threads are its HTTP thread pool's, set as the launcher's setting says
      List<String> preboot =
          new ArrayList<>(Files.readAllLines(Path.of("src", "test", "payara", "preboot.asadmin")));
      if (own.containsKey("streamgate.max-threads")) {
        preboot.add(
            "set configs.config.server-config.thread-pools.thread-pool.http-thread-pool"
                + ".max-thread-pool-size="
                + own.get("streamgate.max-threads"));
        preboot.add(
            "set configs.config.server-config.thread-pools.thread-pool.http-thread-pool"
                + ".min-thread-pool-size=1");
      }
      Path prebootFile = Files.write(root.resolve("preboot.asadmin"), preboot);
      List<String> command = new ArrayList<>();
      command.add(java());
      command.add("-Xmx512m");
      command.addAll(settings(own));
      command.addAll(
          List.of(
              "-jar",
              file("streamgate.payara-micro").toString(),
              "--nocluster",
              "--nohazelcast",
              "--port",
              Integer.toString(port),
              "--prebootcommandfile",
              prebootFile.toString(),
              "--rootdir",
              root.resolve("runtime").toString(),
              "--deploy",
              file("streamgate.payara-war").toString(),
              "--contextroot",
              "streamgate"));
      return launch(new ProcessBuilder(command), port, -1, root.resolve("console.log"));
    }

    private static Process launch(ProcessBuilder builder, int port, int tlsPort, Path log)
        throws Exception {
      builder.redirectErrorStream(true).redirectOutput(log.toFile());
      java.lang.Process process = builder.start();
      Gateway gateway =
          new Gateway(URI.create("http://127.0.0.1:" + port + "/streamgate/").toURL());
      Process started = new Process(process, port, tlsPort, gateway, log);
      // Payara Micro takes its time on a loaded two-core machine: a generous bound, checked often
      Startup.await(
          "the gateway",
          process,
          Duration.ofSeconds(240),
          Startup.answers200(URI.create("http://127.0.0.1:" + port + "/streamgate/health")),
          log);
      return started;
    }

    @Override
    public void stop() throws Exception {
      process.destroy(); // SIGTERM: the runtime undeploys the webapp and exits
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      try (Stream<ProcessHandle> left = process.descendants()) {
        left.forEach(ProcessHandle::destroyForcibly);
      }
    }
  }
}
