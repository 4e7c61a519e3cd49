package dev.streamgate.bench;

/** One load run's figures, as the report prints them. */
record RunResult(
    String transport,
    int c,
    int n,
    double r,
    long ttftMs,
    double windowSeconds,
    long tokens,
    long frames,
    double lagP50,
    double lagP99,
    double lagP999,
    double lagMax,
    double ttftP50,
    double ttftP99,
    long streams,
    long verified,
    long lost,
    long duplicated,
    long reordered,
    long mismatched,
    long errors,
    long incomplete,
    String firstError,
    double serverCpuSeconds,
    double clientCpuSeconds,
    long serverHeap,
    long serverRss,
    long connections,
    double loadBefore,
    double loadAfter,
    double stealPercent,
    long resumes,
    double redisCpuSeconds) {

  /** Redis CPU per million tokens delivered (NaN without Redis). */
  double redisCpuPerMillion() {
    return tokens == 0 ? Double.NaN : redisCpuSeconds / tokens * 1e6;
  }

  double resumesPerSecond() {
    return resumes / windowSeconds;
  }

  double tokensPerSecond() {
    return tokens / windowSeconds;
  }

  double serverCpuPerMillion() {
    return tokens == 0 ? Double.NaN : serverCpuSeconds / tokens * 1e6;
  }

  double clientCpuPerMillion() {
    return tokens == 0 ? Double.NaN : clientCpuSeconds / tokens * 1e6;
  }

  /** Server CPU in cores (1.0 = one core busy all the window). */
  double serverCores() {
    return serverCpuSeconds / windowSeconds;
  }

  double clientCores() {
    return clientCpuSeconds / windowSeconds;
  }

  double tokensPerFrame() {
    return frames == 0 ? Double.NaN : (double) tokens / frames;
  }

  boolean clean() {
    return lost == 0 && duplicated == 0 && reordered == 0 && mismatched == 0;
  }

  static final String CSV_HEADER =
      "transport,c,n,r,ttft_ms,window_s,tokens,frames,lag_p50_ms,lag_p99_ms,lag_p999_ms,lag_max_ms,"
          + "ttft_p50_ms,ttft_p99_ms,streams,verified,lost,duplicated,reordered,mismatched,errors,"
          + "incomplete,server_cpu_s,client_cpu_s,server_heap,server_rss,connections,load_before,"
          + "load_after,steal_pct,first_error";

  String csv() {
    return String.join(
        ",",
        transport,
        "" + c,
        "" + n,
        "" + r,
        "" + ttftMs,
        f(windowSeconds),
        "" + tokens,
        "" + frames,
        f(lagP50),
        f(lagP99),
        f(lagP999),
        f(lagMax),
        f(ttftP50),
        f(ttftP99),
        "" + streams,
        "" + verified,
        "" + lost,
        "" + duplicated,
        "" + reordered,
        "" + mismatched,
        "" + errors,
        "" + incomplete,
        f(serverCpuSeconds),
        f(clientCpuSeconds),
        "" + serverHeap,
        "" + serverRss,
        "" + connections,
        f(loadBefore),
        f(loadAfter),
        f(stealPercent),
        firstError == null ? "" : '"' + firstError.replace('"', '\'').replace('\n', ' ') + '"');
  }

  /** A CSV row; {@code withSteal} if the header has {@code steal_pct} (older sweeps do not). */
  static RunResult fromCsv(String line, boolean withSteal) {
    String[] v = line.split(",", withSteal ? 31 : 30);
    String error = withSteal ? v[30] : v[29];
    return new RunResult(
        v[0],
        Integer.parseInt(v[1]),
        Integer.parseInt(v[2]),
        Double.parseDouble(v[3]),
        Long.parseLong(v[4]),
        Double.parseDouble(v[5]),
        Long.parseLong(v[6]),
        Long.parseLong(v[7]),
        Double.parseDouble(v[8]),
        Double.parseDouble(v[9]),
        Double.parseDouble(v[10]),
        Double.parseDouble(v[11]),
        Double.parseDouble(v[12]),
        Double.parseDouble(v[13]),
        Long.parseLong(v[14]),
        Long.parseLong(v[15]),
        Long.parseLong(v[16]),
        Long.parseLong(v[17]),
        Long.parseLong(v[18]),
        Long.parseLong(v[19]),
        Long.parseLong(v[20]),
        Long.parseLong(v[21]),
        error.isEmpty() ? null : error,
        Double.parseDouble(v[22]),
        Double.parseDouble(v[23]),
        Long.parseLong(v[24]),
        Long.parseLong(v[25]),
        Long.parseLong(v[26]),
        Double.parseDouble(v[27]),
        Double.parseDouble(v[28]),
        withSteal ? Double.parseDouble(v[29]) : Double.NaN,
        0,
        Double.NaN);
  }


  private static String f(double v) {
    return String.format(java.util.Locale.ROOT, "%.3f", v);
  }
}
