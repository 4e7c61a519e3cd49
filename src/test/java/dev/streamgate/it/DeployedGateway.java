package dev.streamgate.it;

import java.io.File;
import java.net.URL;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deploys the real WAR (built by {@code package}) on Arquillian's embedded Tomcat and tests it from
 * outside, as a client would: nothing of the test runs in the container.
 */
@ExtendWith(ArquillianExtension.class)
abstract class DeployedGateway {

  @Deployment(testable = false)
  static WebArchive war() {
    return ShrinkWrap.createFromZipFile(
        WebArchive.class, new File(System.getProperty("streamgate.war", "target/streamgate.war")));
  }

  @ArquillianResource URL base;

  Gateway gateway;

  @BeforeEach
  void connect() {
    gateway = new Gateway(base);
  }
}
