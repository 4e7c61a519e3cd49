package dev.streamgate.transport.sse;

import dev.streamgate.stream.Followers;
import jakarta.enterprise.inject.spi.CDI;
import org.glassfish.jersey.server.spi.AbstractContainerLifecycleListener;
import org.glassfish.jersey.server.spi.Container;

/**
 * Tells SSE clients that the gateway is going away while Jersey can still write to them: its
 * shutdown comes before CDI's, by which time the responses are gone.
 */
public class SseShutdown extends AbstractContainerLifecycleListener {

  @Override
  public void onShutdown(Container container) {
    CDI.current().select(Followers.class).get().endAllAndDrain();
  }
}
