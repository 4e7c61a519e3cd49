package dev.streamgate.transport.sse;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;

/** Keeps every cache and proxy between us and the client from holding back an event stream. */
@Provider
public class SseHeaders implements ContainerResponseFilter {

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    if (MediaType.SERVER_SENT_EVENTS_TYPE.isCompatible(response.getMediaType())) {
      response.getHeaders().putSingle("Cache-Control", "no-cache");
      // nginx buffers proxied responses unless told not to; an SSE stream must flow as written.
      response.getHeaders().putSingle("X-Accel-Buffering", "no");
    }
  }
}
