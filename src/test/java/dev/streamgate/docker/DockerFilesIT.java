package dev.streamgate.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamgate.boot.Main;
import dev.streamgate.it.Binaries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.Http11NioProtocol;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.NodeList;

/**
 * There is no Docker engine on the build machines: this checks what can be checked without one,
 * after {@code package}. The images copy files the build really produces, run as a non-root user
 * with a health check, and compose puts the nginx config that NginxIT tests in front of the nodes
 * the config names.
 */
class DockerFilesIT {

  private static final Path DOCKER = Path.of("docker");
  private static final Path TARGET = Path.of("target");

  @Test
  void tomcatImageRunsTheWarThatBundlesJerseyAndWeld() throws IOException {
    String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));

    assertEquals(List.of("streamgate.war"), copiedFromBuild(dockerfile));
    assertTrue(libraries("streamgate.war").stream().anyMatch(l -> l.startsWith("jersey-server-")));
    assertTrue(libraries("streamgate.war").stream().anyMatch(l -> l.startsWith("weld-servlet-")));
    assertRunsSafely(dockerfile, "/health");
  }

  @Test
  void tomcatImageShipsTheLaunchersConnectorSettingsReadFromTheSameEnvironment() throws Exception {
    String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
    assertTrue(
        dockerfile.contains("COPY docker/tomcat/server.xml /usr/local/tomcat/conf/server.xml"),
        dockerfile);
    assertTrue(
        dockerfile.contains(
            "-Dorg.apache.tomcat.util.digester.PROPERTY_SOURCE="
                + "org.apache.tomcat.util.digester.EnvironmentPropertySource"),
        "${STREAMGATE_*} in server.xml is read from the environment");

    Element shipped = connector(DOCKER.resolve("tomcat/server.xml"));
    Connector launcher = new Connector(Http11NioProtocol.class.getName());
    Main.configure(launcher);
    NamedNodeMap attributes = shipped.getAttributes();
    List<String> compared = new ArrayList<>();
    for (int i = 0; i < attributes.getLength(); i++) {
      String name = attributes.item(i).getNodeName();
      if (List.of("port", "protocol", "URIEncoding", "maxKeepAliveRequests").contains(name)) {
        continue; // the image's own port; the protocol and encoding are the launcher's defaults
      }
      String value = withDefaults(attributes.item(i).getNodeValue());
      Object set = launcher.getProperty(name);
      assertEquals(
          set instanceof java.net.InetAddress address
              ? address.getHostAddress()
              : String.valueOf(set),
          value,
          "connector attribute " + name);
      compared.add(name);
    }
    for (String tuned :
        List.of(
            "maxConnections",
            "maxThreads",
            "processorCache",
            "socket.appReadBufSize",
            "socket.appWriteBufSize",
            "connectionTimeout",
            "keepAliveTimeout")) {
      assertTrue(compared.contains(tuned), tuned + " is missing from docker/tomcat/server.xml");
    }
    assertEquals(
        Http11NioProtocol.class.getName(), shipped.getAttribute("protocol"), "the NIO connector");
    // an unbound connector reports 1 (keep-alive off) whatever is set: compared by hand
    assertEquals("-1", shipped.getAttribute("maxKeepAliveRequests"));
    // no HTTP/2, as the launcher by default (STREAMGATE_HTTP2: Tomcat blocks on its writes)
    assertEquals(0, shipped.getElementsByTagName("UpgradeProtocol").getLength(), "no HTTP/2");
  }

  /** The one Connector element of a server.xml. */
  private static Element connector(Path serverXml) throws Exception {
    var factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    NodeList connectors =
        factory.newDocumentBuilder().parse(serverXml.toFile()).getElementsByTagName("Connector");
    assertEquals(1, connectors.getLength(), "one connector");
    return (Element) connectors.item(0);
  }

  /** Tomcat's {@code ${NAME:-default}} with nothing set: the default. */
  private static String withDefaults(String value) {
    return value.replaceAll("\\$\\{[A-Z_]+:-([^}]*)\\}", "$1");
  }

  @Test
  void composeScrapesEveryNodeWithACheckedPrometheusConfigAndProvisionsTheDashboard()
      throws Exception {
    String compose = Files.readString(DOCKER.resolve("compose.yaml"));
    String prometheus = Files.readString(DOCKER.resolve("prometheus.yml"));
    assertTrue(compose.contains("- ./prometheus.yml:/etc/prometheus/prometheus.yml:ro"), compose);
    Process check =
        new ProcessBuilder(
                Binaries.require("promtool", "prometheus").toString(),
                "check",
                "config",
                DOCKER.resolve("prometheus.yml").toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, check.waitFor(), "promtool check config: " + said);
    // every node compose runs is a target, and every target is a node
    List<String> nodes =
        Pattern.compile("^  (streamgate-\\d+):", Pattern.MULTILINE)
            .matcher(compose)
            .results()
            .map(m -> m.group(1) + ":8080")
            .toList();
    List<String> targets =
        Pattern.compile("^\\s+- (\\S+:\\d+)$", Pattern.MULTILINE)
            .matcher(prometheus)
            .results()
            .map(m -> m.group(1))
            .toList();
    assertEquals(nodes, targets);
    assertTrue(nodes.size() >= 2, compose);

    assertTrue(compose.contains("- ./grafana/dashboards:/var/lib/grafana/dashboards:ro"), compose);
    assertTrue(
        Files.readString(DOCKER.resolve("grafana/provisioning/dashboards/streamgate.yaml"))
            .contains("path: /var/lib/grafana/dashboards"));
    var dashboard =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(DOCKER.resolve("grafana/dashboards/streamgate.json").toFile());
    assertEquals("StreamGate", dashboard.get("title").asText());
    assertTrue(dashboard.get("panels").size() >= 8, "a panel for each of the main series");
  }

  @Test
  void payaraImageRunsTheWarWithoutWhatPayaraProvides() throws IOException {
    String dockerfile = Files.readString(DOCKER.resolve("Dockerfile.payara"));

    assertEquals(List.of("payara-micro.jar", "streamgate-payara.war"), copiedFromBuild(dockerfile));
    List<String> libraries = libraries("streamgate-payara.war");
    assertTrue(
        libraries.stream().noneMatch(l -> l.matches("(jersey|hk2|weld|jakarta\\.).*")),
        libraries.toString());
    assertTrue(
        libraries.stream().anyMatch(l -> l.startsWith("jackson-databind-")), libraries::toString);
    // the build stage names the execution that copies Payara Micro
    assertTrue(dockerfile.contains("dependency:copy@payara-micro"));
    assertTrue(Files.readString(Path.of("pom.xml")).contains("<id>payara-micro</id>"));
    // under a context root: at the root, Payara's own /metrics and /health/* answer instead
    assertTrue(dockerfile.contains("--deploy streamgate.war --contextroot streamgate"), dockerfile);
    assertRunsSafely(dockerfile, "/streamgate/health");
  }

  @Test
  void composePutsTheTestedNginxConfigInFrontOfItsNodes() throws IOException {
    String compose = Files.readString(DOCKER.resolve("compose.yaml"));
    Path tested = Path.of(System.getProperty("streamgate.nginx-conf", "docker/nginx.conf"));

    Matcher mount = Pattern.compile("- (\\S+):/etc/nginx/nginx.conf").matcher(compose);
    assertTrue(mount.find(), "compose mounts no /etc/nginx/nginx.conf");
    assertTrue(Files.isSameFile(tested, DOCKER.resolve(mount.group(1))), mount.group(1));

    Matcher server =
        Pattern.compile("^\\s*server ([\\w-]+):8080", Pattern.MULTILINE)
            .matcher(Files.readString(tested));
    int nodes = 0;
    while (server.find()) {
      nodes++;
      assertTrue(
          Pattern.compile("^  " + server.group(1) + ":", Pattern.MULTILINE).matcher(compose).find(),
          "nginx.conf names " + server.group(1) + ", which compose.yaml does not run");
    }
    assertTrue(nodes >= 2, "several upstream nodes");

    Matcher dockerfile = Pattern.compile("dockerfile: (\\S+)").matcher(compose);
    assertTrue(dockerfile.find());
    assertTrue(Files.isRegularFile(Path.of(dockerfile.group(1))), dockerfile.group(1));
  }

  @Test
  void composeNodesShareTheirGenerationsThroughItsRedisSoNginxNeedsNoStickiness()
      throws IOException {
    String compose = Files.readString(DOCKER.resolve("compose.yaml"));
    String nginx = Files.readString(DOCKER.resolve("nginx.conf"));

    assertTrue(Pattern.compile("^  redis:$", Pattern.MULTILINE).matcher(compose).find(), compose);
    assertTrue(compose.contains("STREAMGATE_REDIS_URL: redis://redis:6379"), compose);
    assertTrue(
        Pattern.compile("^\\s*(hash|ip_hash|sticky)\\b", Pattern.MULTILINE)
            .matcher(nginx)
            .results()
            .findAny()
            .isEmpty(),
        "nginx.conf pins clients to nodes");
  }

  /** The files the runtime stage copies out of the build stage's target/: each must exist. */
  private static List<String> copiedFromBuild(String dockerfile) {
    Matcher copy = Pattern.compile("COPY --from=build /src/target/(\\S+)").matcher(dockerfile);
    List<String> names = new ArrayList<>();
    while (copy.find()) {
      names.add(copy.group(1));
      assertTrue(Files.isRegularFile(TARGET.resolve(copy.group(1))), "no target/" + copy.group(1));
    }
    names.sort(null);
    return names;
  }

  private static void assertRunsSafely(String dockerfile, String health) {
    assertTrue(
        Pattern.compile("^FROM \\S+ AS build$", Pattern.MULTILINE).matcher(dockerfile).find(),
        "a Maven build stage");
    assertTrue(dockerfile.contains("mvn -B"), "built with Maven");
    Matcher user = Pattern.compile("^USER (\\S+)$", Pattern.MULTILINE).matcher(dockerfile);
    assertTrue(user.find(), "no USER");
    assertFalse(user.group(1).equals("root") || user.group(1).equals("0"), user.group(1));
    assertTrue(
        Pattern.compile(
                "^HEALTHCHECK .*\\n?.*http://127\\.0\\.0\\.1:8080" + Pattern.quote(health) + " ",
                Pattern.MULTILINE)
            .matcher(dockerfile)
            .find(),
        "a health check on " + health);
    assertTrue(dockerfile.contains("EXPOSE 8080"));
  }

  private static List<String> libraries(String war) throws IOException {
    try (ZipFile zip = new ZipFile(TARGET.resolve(war).toFile())) {
      return zip.stream()
          .map(entry -> entry.getName())
          .filter(name -> name.startsWith("WEB-INF/lib/"))
          .map(name -> name.substring("WEB-INF/lib/".length()))
          .toList();
    }
  }
}
