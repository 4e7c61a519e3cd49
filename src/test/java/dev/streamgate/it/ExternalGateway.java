package dev.streamgate.it;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A gateway deployed by the build on another runtime (standalone Tomcat, Payara Micro): before the
 * first test, waits until its {@code /health} answers 200, since the server may still be starting.
 */
final class ExternalGateway implements BeforeAllCallback {

  /** A cold Payara Micro on a busy 2-core machine takes a minute or more to deploy. */
  private static final Duration STARTUP =
      Duration.ofSeconds(Long.getLong("streamgate.startup-timeout", 240));

  private static volatile boolean up;

  private final URI health;

  ExternalGateway(String base) {
    this.health = URI.create(base.endsWith("/") ? base : base + "/").resolve("health");
  }

  @Override
  public void beforeAll(ExtensionContext context) throws InterruptedException {
    awaitUp();
  }

  /** The run's shared gateway on this runtime, once its {@code /health} answers 200. */
  static Gateway shared(String base) throws Exception {
    new ExternalGateway(base).awaitUp();
    return new Gateway(URI.create(base).toURL());
  }

  private void awaitUp() throws InterruptedException {
    if (!up) {
      Startup.await("the gateway at " + health, null, STARTUP, Startup.answers200(health), null);
      up = true;
    }
  }
}
