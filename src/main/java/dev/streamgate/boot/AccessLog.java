package dev.streamgate.boot;

import java.io.CharArrayWriter;
import java.util.logging.Logger;
import org.apache.catalina.valves.AbstractAccessLogValve;

/**
 * The launcher's access log: one line per request to the {@code streamgate.access} logger (so it
 * goes where the other logs go, as JSON with {@code STREAMGATE_LOG_FORMAT=json}). The path is
 * logged without its query: a stream ticket travels there, and a ticket is a credential.
 */
public class AccessLog extends AbstractAccessLogValve {

  private static final Logger LOG = Logger.getLogger("streamgate.access");

  public AccessLog() {
    setPattern("%a \"%m %U %H\" %s %b %{ms}T ms");
  }

  @Override
  protected void log(CharArrayWriter message) {
    LOG.info(message.toString());
  }
}
