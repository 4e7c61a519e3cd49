package dev.streamgate.transport.ws;

import dev.streamgate.security.AccessPolicy;
import dev.streamgate.security.Caller;
import dev.streamgate.web.ProblemException;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.enterprise.inject.spi.Unmanaged;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.List;

/**
 * Creates endpoints through CDI so their {@code @Inject} fields are filled: Tomcat's WebSocket
 * container knows nothing of CDI. Works the same on Payara.
 */
public class CdiConfigurator extends ServerEndpointConfig.Configurator {

  static final String CALLER = Caller.class.getName();

  /**
   * Finds the socket's caller from the handshake, as the access filter did before the upgrade
   * (which already refused bad keys, tickets and origins with 401/403). The user properties are
   * this session's own copy.
   */
  @Override
  public void modifyHandshake(
      ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
    List<String> authorization = request.getHeaders().get("Authorization");
    List<String> ticket = request.getParameterMap().get("ticket");
    try {
      config
          .getUserProperties()
          .put(
              CALLER,
              CDI.current()
                  .select(AccessPolicy.class)
                  .get()
                  .authenticateSocket(
                      authorization == null || authorization.isEmpty()
                          ? null
                          : authorization.get(0),
                      ticket == null || ticket.isEmpty() ? null : ticket.get(0)));
    } catch (ProblemException refused) {
      config.getUserProperties().remove(CALLER); // the endpoint closes a socket with no caller
    }
  }

  @Override
  public <T> T getEndpointInstance(Class<T> endpointClass) {
    return new Unmanaged<>(endpointClass).newInstance().produce().inject().postConstruct().get();
  }
}
