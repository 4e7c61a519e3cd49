package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamgate.boot.Main;
import java.net.URL;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.catalina.startup.Tomcat;

/**
 * The real WAR on the embedded launcher, on a free loopback port, with settings of its own (read as
 * it starts): for suites whose settings would disturb the shared gateways'. The suite's own
 * settings are as they were once it has started.
 */
record OwnLauncher(Tomcat tomcat, int port, Gateway gateway) implements OwnGateway {

  static OwnLauncher start(Map<String, String> settings) throws Exception {
    Map<String, String> before = new HashMap<>();
    settings.keySet().forEach(name -> before.put(name, System.getProperty(name)));
    settings.forEach(System::setProperty);
    try {
      int port = GatewayNode.freePort();
      Tomcat tomcat = Main.start(port, Path.of("target", "streamgate"));
      Gateway gateway = new Gateway(new URL("http://127.0.0.1:" + port + "/"));
      assertEquals(200, gateway.get("health").statusCode());
      return new OwnLauncher(tomcat, port, gateway);
    } finally {
      before.forEach(
          (name, value) -> {
            if (value == null) {
              System.clearProperty(name);
            } else {
              System.setProperty(name, value);
            }
          });
    }
  }

  @Override
  public String contextPath() {
    return "/";
  }

  @Override
  public int tlsPort() {
    return Main.tlsPort(tomcat);
  }

  @Override
  public void stop() throws Exception {
    tomcat.stop();
    tomcat.destroy();
  }
}
