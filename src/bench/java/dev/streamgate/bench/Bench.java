package dev.streamgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The StreamGate benchmark. {@code sweep} (the default) starts the gateway in its own JVM and runs
 * every transport at every concurrency, then the idle-connection test, and writes the results under
 * {@code --out}; {@code run} is one transport at one or more concurrencies; {@code idle} only the
 * idle test; {@code slow} the normal load alone, then beside {@code --stalled} clients that never
 * read; {@code cluster} one node in memory beside two nodes on one Redis (see {@link #cluster});
 * {@code report} redraws the table and charts from a sweep's CSV. With {@code --url}
 * the gateway is one already running. Options: {@code --transports sse,ws,poll,openai,grpc,sse-h2c --c
 * 100,1000,4000,5000,10000 --n 200 --r 50 --ttft 100 --window 10 --warmup 3 --threads 2 --idle 15000 --port
 * 18400 --out bench/results --server-opts "-Xmx4g" --jfr file.jfr}.
 */
public final class Bench {

  /** What a sweep runs unless told: every transport a client can stream a generation over. */
  private static final String TRANSPORTS = "sse,ws,poll,openai,grpc,sse-h2c";

  private final Map<String, String> options;

  private Bench(Map<String, String> options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 && !args[0].startsWith("--") ? args[0] : "sweep";
    Map<String, String> options = new HashMap<>();
    for (int i = mode.equals("sweep") && (args.length == 0 || args[0].startsWith("--")) ? 0 : 1;
        i + 1 < args.length;
        i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    new Bench(options).run(mode);
    System.exit(0); // the selector threads are daemons, but be sure
  }

  private String option(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  private void run(String mode) throws Exception {
    Path out = Path.of(option("out", "bench/results"));
    Files.createDirectories(out);
    if (mode.equals("report")) {
      writeReport(readCsv(out.resolve("sweep.csv")), out, null);
      return;
    }
    if (mode.equals("cluster")) {
      cluster(out);
      return;
    }
    String url = options.get("url");
    ServerProcess server = null;
    try {
      if (url == null) {
        server = startServer();
        url = server.base;
      }
      switch (mode) {
        case "sweep" -> {
          List<RunResult> results = sweep(url, out, true);
          String idle = null;
          if (!option("idle", "15000").equals("0")) {
            // On a fresh gateway: the one that ran the sweep keeps its finished generations (the
            // retention period) and a request processor per connection it ever held at once.
            if (server != null) {
              server.close();
              server = startServer();
              url = server.base;
            }
            idle = idle(url, Integer.parseInt(option("idle", "15000")));
            System.out.println(idle);
          }
          writeReport(results, out, idle);
        }
        case "run" -> writeReport(sweep(url, out, false), out, null);
        case "idle" -> System.out.println(idle(url, Integer.parseInt(option("idle", "15000"))));
        case "slow" -> slow(url, out);
        default -> throw new IllegalArgumentException("mode: sweep, run, idle, slow or report");
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  /** The gateway for a sweep or run; with HTTP/2 (h2c) when gRPC or SSE over h2c is asked for. */
  private ServerProcess startServer() throws IOException, InterruptedException {
    Map<String, String> env =
        Arrays.stream(option("transports", TRANSPORTS).split(","))
                .anyMatch(t -> t.equals("grpc") || t.equals("sse-h2c"))
            ? Map.of("STREAMGATE_HTTP2", "true")
            : Map.of();
    return startServer(Integer.parseInt(option("port", "18400")), env, "bench-server");
  }

  private ServerProcess startServer(int port, Map<String, String> env, String name)
      throws IOException, InterruptedException {
    List<String> jvm = new ArrayList<>(Arrays.asList(option("server-opts", "-Xmx4g").split(" ")));
    if (options.containsKey("jfr")) {
      String file = options.get("jfr").replaceFirst("\\.jfr$", "") + "-" + name + ".jfr";
      jvm.add("-XX:StartFlightRecording=filename=" + file + ",settings=profile");
    }
    ServerProcess server =
        ServerProcess.start(
            port,
            Path.of(option("webapp", "target/streamgate")),
            jvm,
            env,
            Path.of("target", name + ".log"));
    System.out.println("server pid " + server.pid() + " on " + server.base);
    return server;
  }

  private List<RunResult> sweep(String url, Path out, boolean full) throws Exception {
    int n = Integer.parseInt(option("n", "200"));
    double r = Double.parseDouble(option("r", "50"));
    long ttft = Long.parseLong(option("ttft", "100"));
    String[] expected = ServerMetrics.expectedTexts(url, 16, n);
    List<Transport> transports =
        Arrays.stream(option("transports", TRANSPORTS).split(",")).map(Transport::of).toList();
    int[] cs =
        Arrays.stream(option("c", full ? "100,1000,4000,5000,10000" : "100").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    if (option("warm", full ? "true" : "false").equals("true")) {
      for (Transport t : transports) { // JIT and pools warm before anything is recorded
        once(url, t, 200, n, r, ttft, expected, 3);
      }
    }
    List<RunResult> results = new ArrayList<>();
    for (int c : cs) {
      for (Transport t : transports) {
        RunResult result = once(url, t, c, n, r, ttft, expected, Double.parseDouble(option("window", "10")));
        results.add(result);
        System.out.println(summary(result));
        Files.writeString(out.resolve(full ? "sweep.csv" : "run.csv"), csv(results));
      }
    }
    return results;
  }

  private RunResult once(
      String url, Transport t, int c, int n, double r, long ttft, String[] expected, double window)
      throws IOException, InterruptedException {
    waitForQuiet(url);
    java.net.URI uri = java.net.URI.create(url);
    return load(new Plan(t, uri.getHost(), uri.getPort(), c, n, r, ttft, expected, null), window);
  }

  /** One load run of {@code plan}: ramped over c / 2000 s, then the warm-up, window and drain. */
  private RunResult load(Plan plan, double window) throws IOException, InterruptedException {
    LoadRun.Timing timing =
        new LoadRun.Timing(
            Math.max(1, plan.c() / 2000.0),
            Double.parseDouble(option("warmup", "3")),
            window,
            Double.parseDouble(option("drain", "30")));
    return new LoadRun(plan, timing, Integer.parseInt(option("threads", "2"))).run();
  }

  /**
   * The normal load on each transport twice: alone, then beside {@code --stalled} clients that
   * never read (spread over every transport). Writes {@code slow.md} with both rows per transport.
   */
  private void slow(String url, Path out) throws Exception {
    int n = Integer.parseInt(option("n", "200"));
    double r = Double.parseDouble(option("r", "50"));
    long ttft = Long.parseLong(option("ttft", "100"));
    int c = Integer.parseInt(option("c", "1000"));
    int stalled = Integer.parseInt(option("stalled", "200"));
    double window = Double.parseDouble(option("window", "10"));
    String[] expected = ServerMetrics.expectedTexts(url, 16, n);
    List<RunResult> alone = new ArrayList<>();
    List<RunResult> beside = new ArrayList<>();
    for (String name : option("transports", "sse,ws,poll,openai").split(",")) {
      Transport t = Transport.of(name);
      once(url, t, 200, n, r, ttft, expected, 3); // warm
      alone.add(once(url, t, c, n, r, ttft, expected, window));
      System.out.println("alone   " + summary(alone.get(alone.size() - 1)));
      try (Stallers stallers = Stallers.open(url, stalled)) {
        Thread.sleep(2000); // the huge generations end; what is left waits on the stalled sockets
        beside.add(once(url, t, c, n, r, ttft, expected, window));
        System.out.println("stalled " + summary(beside.get(beside.size() - 1)));
      }
    }
    StringBuilder md = new StringBuilder("# Normal clients beside clients that never read\n\n");
    md.append(machine()).append("\n\n")
        .append(String.format(Locale.ROOT,
            "c = %d normal streams per transport (n = %d, r = %.0f/s, ttft = %d ms), alone and"
                + " beside %d stalled clients (raw sockets, 1 KB receive buffer, spread over SSE,"
                + " /v1, WebSocket and long polling, on ~5 MB generations).%n%n", c, n, r, ttft, stalled))
        .append("| transport | stalled | lag p50 / p99 / max (ms) | TTFT p50 / p99 (ms) | tok/s |"
            + " server CPU s / 1M tok | lost / dup / bad text | errors |\n|---|---:|---|---|---:|---:|---|---:|\n");
    for (int i = 0; i < alone.size(); i++) {
      for (RunResult run : List.of(alone.get(i), beside.get(i))) {
        md.append(String.format(Locale.ROOT,
            "| %s | %d | %.1f / %.0f / %.0f | %.0f / %.0f | %,.0f | %.1f | %d / %d / %d | %d |%n",
            run.transport(), run == alone.get(i) ? 0 : stalled, run.lagP50(), run.lagP99(),
            run.lagMax(), run.ttftP50(), run.ttftP99(), run.tokensPerSecond(),
            run.serverCpuPerMillion(), run.lost(), run.duplicated(), run.mismatched(), run.errors()));
      }
    }
    Files.writeString(out.resolve("slow.md"), md);
    System.out.println(md);
  }

  /**
   * What the cluster costs: the same load on one node in memory, then on two nodes sharing one
   * Redis (each its own JVM, Redis persisting as the compose file ships it). On the cluster,
   * connection {@code i} creates on node {@code i mod 2}; SSE and long polling read every stream
   * from the other node (each token crosses Redis into that node's mirror), WebSocket and {@code
   * /v1} read where they created (the producer's copy to Redis only). A last row per setup drops
   * each SSE stream every {@code --resume-every} tokens and resumes it on the other node: the
   * cross-node resume rate. Server CPU is both nodes'; Redis CPU is its own ({@code INFO cpu}).
   * Writes {@code cluster.md}.
   */
  private void cluster(Path out) throws Exception {
    int port = Integer.parseInt(option("port", "18400"));
    int[] cs = Arrays.stream(option("c", "1000").split(",")).mapToInt(Integer::parseInt).toArray();
    int resumeEvery = Integer.parseInt(option("resume-every", "20"));
    List<String[]> rows = new ArrayList<>();
    List<String> setups = List.of(option("setups", "single,cluster").split(","));
    if (setups.contains("single")) {
      try (ServerProcess single = startServer(port, Map.of(), "bench-single")) {
        clusterRuns("one node, in memory", new int[] {port}, 0, cs, resumeEvery, rows);
      }
    }
    if (setups.contains("cluster")) {
      try (RedisProcess redis = RedisProcess.start(port + 10, Path.of("target", "bench-redis"));
          ServerProcess a = startServer(port, clusterEnv(redis, "bench-a"), "bench-node-a");
          ServerProcess b = startServer(port + 1, clusterEnv(redis, "bench-b"), "bench-node-b")) {
        clusterRuns(
            "two nodes + Redis", new int[] {port, port + 1}, redis.port, cs, resumeEvery, rows);
      }
    }
    StringBuilder md = new StringBuilder("# One node in memory beside two nodes on Redis\n\n");
    md.append(machine())
        .append(String.format(Locale.ROOT,
            " Redis %s, `appendonly yes`. Streams of n = %s tokens at r = %s/s after %s ms.%n%n",
            redisVersion(), option("n", "200"), option("r", "50"), option("ttft", "100")))
        .append("Route: *home* = created and read on one node; *cross* = created on one node, read"
            + " from the other (its mirror); *resume/k* = SSE dropped every k tokens and resumed on"
            + " the other node. Server CPU is every gateway node's; Redis CPU is redis-server's.\n\n")
        .append("| setup | transport | route | c | tok/s | resumes/s | lag p50 / p99 / max (ms) |"
            + " TTFT p50 / p99 (ms) | server CPU s / 1M tok | Redis CPU s / 1M tok |"
            + " lost / dup / bad text | errors | steal |\n"
            + "|---|---|---|---:|---:|---:|---|---|---:|---:|---|---:|---:|\n");
    rows.forEach(r -> md.append("| ").append(String.join(" | ", r)).append(" |\n"));
    Files.writeString(out.resolve("cluster.md"), md);
    System.out.println(md);
  }

  private static Map<String, String> clusterEnv(RedisProcess redis, String node) {
    return Map.of("STREAMGATE_REDIS_URL", redis.url(), "STREAMGATE_NODE_ID", node);
  }

  private void clusterRuns(
      String setup, int[] nodes, int redisPort, int[] cs, int resumeEvery, List<String[]> rows)
      throws Exception {
    int n = Integer.parseInt(option("n", "200"));
    double r = Double.parseDouble(option("r", "50"));
    long ttft = Long.parseLong(option("ttft", "100"));
    double window = Double.parseDouble(option("window", "10"));
    String url = "http://127.0.0.1:" + nodes[0];
    String[] expected = ServerMetrics.expectedTexts(url, 16, n);
    List<String> transports = List.of(option("transports", "sse,poll,ws,openai").split(","));
    // JIT and pools warm before anything is recorded: longer than the sweep's, as every node
    // compiles the cluster's paths (Lettuce, netty, the mirrors) as well as the gateway's.
    double warm = Double.parseDouble(option("warm-window", "10"));
    for (String name : transports) {
      clusterRun(nodes, redisPort, Transport.of(name), 200, n, r, ttft, expected, 0, warm);
    }
    for (int c : cs) {
      for (String name : transports) {
        Transport t = Transport.of(name);
        RunResult run = clusterRun(nodes, redisPort, t, c, n, r, ttft, expected, 0, window);
        boolean cross = nodes.length > 1 && (t == Transport.SSE || t == Transport.POLL);
        rows.add(clusterRow(setup, run, cross ? "cross" : "home"));
      }
      if (resumeEvery > 0) {
        RunResult run =
            clusterRun(nodes, redisPort, Transport.SSE, c, n, r, ttft, expected, resumeEvery, window);
        rows.add(clusterRow(setup, run, "resume/" + resumeEvery));
      }
    }
  }

  private RunResult clusterRun(
      int[] nodes,
      int redisPort,
      Transport t,
      int c,
      int n,
      double r,
      long ttft,
      String[] expected,
      int resumeEvery,
      double window)
      throws IOException, InterruptedException {
    for (int node : nodes) {
      waitForQuiet("http://127.0.0.1:" + node);
    }
    boolean crossRead = nodes.length > 1 && (t == Transport.SSE || t == Transport.POLL);
    Plan plan =
        new Plan(t, "127.0.0.1", nodes[0], c, n, r, ttft, expected, null, nodes, redisPort,
            crossRead && resumeEvery == 0, resumeEvery);
    RunResult result = load(plan, window);
    System.out.println(
        summary(result)
            + String.format(Locale.ROOT, "  resumes/s %.0f  redis %.1f cpu-s/1M",
                result.resumesPerSecond(), result.redisCpuPerMillion()));
    return result;
  }

  private static String[] clusterRow(String setup, RunResult run, String route) {
    return new String[] {
      setup,
      run.transport(),
      route,
      Integer.toString(run.c()),
      String.format(Locale.ROOT, "%,.0f", run.tokensPerSecond()),
      run.resumes() == 0 ? "–" : String.format(Locale.ROOT, "%,.0f", run.resumesPerSecond()),
      String.format(Locale.ROOT, "%.1f / %.0f / %.0f", run.lagP50(), run.lagP99(), run.lagMax()),
      String.format(Locale.ROOT, "%.0f / %.0f", run.ttftP50(), run.ttftP99()),
      String.format(Locale.ROOT, "%.1f", run.serverCpuPerMillion()),
      Double.isNaN(run.redisCpuSeconds()) ? "–" : String.format(Locale.ROOT, "%.1f", run.redisCpuPerMillion()),
      run.lost() + " / " + run.duplicated() + " / " + run.mismatched(),
      Long.toString(run.errors()),
      String.format(Locale.ROOT, "%.0f %%", run.stealPercent())
    };
  }

  private static String redisVersion() {
    try {
      Process p = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      int at = v.indexOf("v=");
      return at < 0 ? v.trim() : v.substring(at + 2, v.indexOf(' ', at));
    } catch (IOException e) {
      return "(version unknown)";
    }
  }

  /** Waits until the last run's generations have ended, so runs do not overlap. */
  private static void waitForQuiet(String url) throws IOException, InterruptedException {
    for (int i = 0; i < 300 && ServerMetrics.fetch(url, false).liveStreams() > 0; i++) {
      Thread.sleep(100);
    }
  }

  /** Heap and RSS per idle SSE connection: c subscriptions to generations that stay silent. */
  private String idle(String url, int c) throws Exception {
    waitForQuiet(url);
    String[] ids = new String[100];
    for (int i = 0; i < ids.length; i++) { // first token in 60 s: silent for the whole test
      ids[i] = ServerMetrics.start(url, Plan.generation(i % 16, 1, 1, 60_000, false));
    }
    Thread.sleep(1000);
    ServerMetrics before = ServerMetrics.fetch(url, true);
    java.net.URI uri = java.net.URI.create(url);
    Transport transport = Transport.of(option("idle-transport", "idle-sse"));
    Plan plan = new Plan(transport, uri.getHost(), uri.getPort(), c, 1, 1, 60_000, new String[] {null}, ids);
    LoadRun run = new LoadRun(plan, new LoadRun.Timing(c / 3000.0, 0, 0, 0), 2);
    long opened = run.openIdle(30);
    Thread.sleep(2000);
    ServerMetrics after = ServerMetrics.fetch(url, true);
    run.closeAll();
    for (String id : ids) {
      try {
        cancel(url, id);
      } catch (IOException e) {
        // the orphan timeout cancels it anyway; the figures above are what this test is for
      }
    }
    long n = Math.max(1, opened);
    String line =
        String.format(
            Locale.ROOT,
            "%s: %d of %d connections open (server counts %d), %d errors%s; heap %.1f KB and"
                + " RSS %.1f KB per connection (heap %,d → %,d B, RSS %,d → %,d B, after a GC)",
            transport.label(),
            opened,
            c,
            after.connections(),
            run.errors(),
            run.firstError() == null ? "" : " (first: " + run.firstError() + ")",
            (after.heapUsed() - before.heapUsed()) / 1024.0 / n,
            (after.rss() - before.rss()) / 1024.0 / n,
            before.heapUsed(),
            after.heapUsed(),
            before.rss(),
            after.rss());
    return line;
  }

  private static void cancel(String url, String id) throws IOException, InterruptedException {
    var http = java.net.http.HttpClient.newHttpClient();
    http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/api/generations/" + id))
            .DELETE()
            .build(),
        java.net.http.HttpResponse.BodyHandlers.discarding());
  }

  static String summary(RunResult r) {
    return String.format(
        Locale.ROOT,
        "%-6s c=%-5d %,9.0f tok/s  lag p50 %.1f p99 %.1f p99.9 %.1f max %.1f ms  ttft p50 %.1f p99 %.1f"
            + "  %.2f tok/frame  server %.1f cpu-s/1M (%.2f cores)  generator %.1f cpu-s/1M (%.2f cores)"
            + "  streams %d verified %d lost %d dup %d reord %d bad-text %d errors %d cut %d%s  load %.2f→%.2f"
            + "  steal %.0f%%",
        r.transport(),
        r.c(),
        r.tokensPerSecond(),
        r.lagP50(),
        r.lagP99(),
        r.lagP999(),
        r.lagMax(),
        r.ttftP50(),
        r.ttftP99(),
        r.tokensPerFrame(),
        r.serverCpuPerMillion(),
        r.serverCores(),
        r.clientCpuPerMillion(),
        r.clientCores(),
        r.streams(),
        r.verified(),
        r.lost(),
        r.duplicated(),
        r.reordered(),
        r.mismatched(),
        r.errors(),
        r.incomplete(),
        r.firstError() == null ? "" : " (first: " + r.firstError() + ")",
        r.loadBefore(),
        r.loadAfter(),
        r.stealPercent());
  }

  private static String csv(List<RunResult> results) {
    StringBuilder csv = new StringBuilder(RunResult.CSV_HEADER).append('\n');
    results.forEach(r -> csv.append(r.csv()).append('\n'));
    return csv.toString();
  }

  private static List<RunResult> readCsv(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    boolean withSteal = lines.get(0).contains(",steal_pct,");
    return lines.stream()
        .skip(1)
        .filter(l -> !l.isBlank())
        .map(l -> RunResult.fromCsv(l, withSteal))
        .toList();
  }


  private static void writeReport(List<RunResult> results, Path out, String idle) throws IOException {
    Report.charts(results, out);
    StringBuilder md = new StringBuilder("# StreamGate benchmark results\n\n");
    md.append(machine()).append("\n\n");
    md.append(Report.table(results)).append('\n');
    if (idle != null) {
      md.append(idle).append("\n\n");
      Files.writeString(out.resolve("idle.txt"), idle + "\n");
    } else if (Files.exists(out.resolve("idle.txt"))) {
      md.append(Files.readString(out.resolve("idle.txt"))).append('\n');
    }
    md.append("![lag p99](lag-p99.svg)\n![lag p50](lag-p50.svg)\n")
        .append("![server CPU per million tokens](cpu-per-million.svg)\n![throughput](throughput.svg)\n");
    Files.writeString(out.resolve("results.md"), md);
  }

  static String machine() {
    String cpu = "unknown CPU";
    try {
      cpu =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .findFirst()
              .map(l -> l.substring(l.indexOf(':') + 1).trim())
              .orElse(cpu);
    } catch (IOException e) {
      // not Linux: the model stays unknown
    }
    var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return String.format(
        Locale.ROOT,
        "Machine: %d cores (%s), %.0f GiB RAM, %s %s, JDK %s; server and load generator on the same host.",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        os.getTotalMemorySize() / (1024.0 * 1024 * 1024),
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        System.getProperty("java.version"));
  }
}
