package dev.streamgate.api;

import com.sun.management.OperatingSystemMXBean;
import dev.streamgate.security.Limits;
import dev.streamgate.stream.Followers;
import dev.streamgate.stream.StreamRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * {@code GET /api/metrics[?gc=true]}: the process's own figures for the benchmark — CPU time, heap
 * (after a full GC when asked from this host only), RSS, open connections and streams, live
 * generations, followers, and how many clients were dropped for being stuck. Operators' figures:
 * with API keys configured it is behind them like the rest of {@code /api}.
 */
@Path("metrics")
@ApplicationScoped
@Produces(MediaType.APPLICATION_JSON)
public class MetricsResource {

  @Inject StreamRegistry registry;
  @Inject Followers followers;
  @Inject Limits limits;

  @GET
  public Map<String, Object> metrics(
      @QueryParam("gc") boolean gc, @jakarta.ws.rs.core.Context HttpServletRequest request) {
    // A full collection is a tool for the benchmark on the same host, never a client's to ask for.
    if (gc && dev.streamgate.metrics.MetricsServlet.isLoopback(request.getRemoteAddr())) {
      System.gc(); // so heap_used is what is live, not what the collector has not reached yet
    }
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    long gcCount = 0;
    long gcMillis = 0;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcCount += Math.max(0, collector.getCollectionCount());
      gcMillis += Math.max(0, collector.getCollectionTime());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(
        "cpu_ns",
        ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime());
    out.put("heap_used", heap.getUsed());
    out.put("heap_committed", heap.getCommitted());
    out.put("rss", rss());
    out.put("gc_count", gcCount);
    out.put("gc_ms", gcMillis);
    out.put("connections", connections());
    out.put("open_streams", limits.openStreams());
    out.put("live_streams", registry.liveCount());
    out.put("followers", followers.size());
    out.put("stuck_drops", followers.stuckDrops());
    out.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
    return out;
  }

  /** Resident set size from /proc (Linux), or -1 elsewhere. */
  private static long rss() {
    try {
      for (String line : Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: say so with -1 rather than fail the whole answer
    }
    return -1;
  }

  /** Tomcat's open connections, summed over its connectors (JMX), or -1 if it is not there. */
  private static long connections() {
    try {
      MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
      long total = 0;
      for (ObjectName pool : jmx.queryNames(new ObjectName("*:type=ThreadPool,*"), null)) {
        Object count = jmx.getAttribute(pool, "connectionCount");
        total += count instanceof Number n ? n.longValue() : 0;
      }
      return total;
    } catch (Exception e) {
      return -1; // no container MBeans (JMX off): the benchmark reports it as unknown
    }
  }
}
