package dev.streamgate.transport.sse;

import dev.streamgate.stream.Followers;
import jakarta.enterprise.inject.spi.CDI;
import org.glassfish.jersey.server.spi.AbstractContainerLifecycleListener;
import org.glassfish.jersey.server.spi.Container;

/**
 * Tells streaming clients that the gateway is going away while their responses can still be
 * written: Jersey shuts down with the servlets, before CDI's beans are destroyed.
 */
public class SseShutdown extends AbstractContainerLifecycleListener {

  @Override
  public void onShutdown(Container container) {
    CDI.current().select(Followers.class).get().endAllAndDrain();
  }
}
