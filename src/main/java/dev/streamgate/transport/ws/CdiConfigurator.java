package dev.streamgate.transport.ws;

import jakarta.enterprise.inject.spi.Unmanaged;
import jakarta.websocket.server.ServerEndpointConfig;

/**
 * Creates endpoints through CDI so their {@code @Inject} fields are filled: Tomcat's WebSocket
 * container knows nothing of CDI. Works the same on Payara.
 */
public class CdiConfigurator extends ServerEndpointConfig.Configurator {

  @Override
  public <T> T getEndpointInstance(Class<T> endpointClass) {
    return new Unmanaged<>(endpointClass).newInstance().produce().inject().postConstruct().get();
  }
}
