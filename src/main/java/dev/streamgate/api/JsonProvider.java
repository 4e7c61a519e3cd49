package dev.streamgate.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamgate.web.Json;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;

/** Hands Jersey's Jackson support our one {@link Json#MAPPER}. */
@Provider
public class JsonProvider implements ContextResolver<ObjectMapper> {

  @Override
  public ObjectMapper getContext(Class<?> type) {
    return Json.MAPPER;
  }
}
