package dev.streamgate.it;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real WAR, tested from outside as a client would: nothing of the test runs in the server. By
 * default Arquillian deploys it (built by {@code package}) on embedded Tomcat; with {@code
 * -Dstreamgate.base-url=http://host:port/streamgate/} the same tests run against a gateway already
 * deployed elsewhere: standalone Tomcat and Payara Micro, see the failsafe executions in pom.xml.
 * The tag selects these tests, and no others, for those runs.
 */
@Tag("gateway")
abstract class DeployedGateway {

  /** The gateway under test when it runs elsewhere; null to deploy one on embedded Tomcat. */
  static final String EXTERNAL_BASE = System.getProperty("streamgate.base-url");

  @RegisterExtension
  static final Extension RUNTIME =
      EXTERNAL_BASE == null ? new ArquillianExtension() : new ExternalGateway(EXTERNAL_BASE);

  @Deployment(testable = false)
  static WebArchive war() {
    return ShrinkWrap.createFromZipFile(
        WebArchive.class, new File(System.getProperty("streamgate.war", "target/streamgate.war")));
  }

  /** Set by Arquillian on embedded Tomcat; unused when the gateway runs elsewhere. */
  @ArquillianResource URL base;

  Gateway gateway;

  @BeforeEach
  void connect() throws MalformedURLException {
    gateway = new Gateway(EXTERNAL_BASE == null ? base : URI.create(EXTERNAL_BASE).toURL());
  }
}
