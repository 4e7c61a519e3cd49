package dev.streamgate.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsServletTest {

  @Test
  void loopbackMeansALoopbackAddressLiteralAndNothingElse() {
    for (String loopback : new String[] {"127.0.0.1", "127.5.6.7", "::1", "0:0:0:0:0:0:0:1"}) {
      assertTrue(MetricsServlet.isLoopback(loopback), loopback);
    }
    for (String other :
        new String[] {
          "10.0.0.1",
          "192.168.1.20",
          "::ffff:10.0.0.1",
          "fe80::1",
          "localhost",
          "",
          null,
          "127.0.0.1 "
        }) {
      assertFalse(MetricsServlet.isLoopback(other), other);
    }
  }
}
