package dev.streamgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/** Writes a sweep's results: a CSV (the raw figures), a Markdown table, and SVG line charts. */
final class Report {

  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

  private Report() {}

  static String table(List<RunResult> results) {
    StringBuilder md = new StringBuilder();
    md.append(
        "| transport | c | delivered tok/s | lag p50 / p99 / p99.9 / max (ms) | TTFT p50 / p99 (ms) |"
            + " tok/frame | server CPU s / 1M tok | server cores | generator CPU s / 1M tok |"
            + " generator cores | lost / dup / reord / bad text | errors | load avg before→after |"
            + " CPU steal |\n");
    md.append("|---|---:|---:|---|---|---:|---:|---:|---:|---:|---|---:|---|---:|\n");
    for (RunResult r : results) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %,.0f | %s / %s / %s / %s | %s / %s | %.2f | %.1f | %.2f | %.1f | %.2f |"
                  + " %d / %d / %d / %d of %d | %s | %.2f→%.2f | %s |\n",
              r.transport(),
              r.c(),
              r.tokensPerSecond(),
              ms(r.lagP50()),
              ms(r.lagP99()),
              ms(r.lagP999()),
              ms(r.lagMax()),
              ms(r.ttftP50()),
              ms(r.ttftP99()),
              r.tokensPerFrame(),
              r.serverCpuPerMillion(),
              r.serverCores(),
              r.clientCpuPerMillion(),
              r.clientCores(),
              r.lost(),
              r.duplicated(),
              r.reordered(),
              r.mismatched(),
              r.verified(),
              r.errors() + r.incomplete() == 0
                  ? "0"
                  : r.errors() + " + " + r.incomplete() + " cut",
              r.loadBefore(),
              r.loadAfter(),
              Double.isNaN(r.stealPercent())
                  ? "?"
                  : String.format(Locale.ROOT, "%.0f %%", r.stealPercent())));
    }
    return md.toString();
  }

  private static String ms(double v) {
    return Double.isNaN(v) ? "–" : v < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%,.0f", v);
  }

  static void charts(List<RunResult> results, Path dir) throws IOException {
    Files.writeString(
        dir.resolve("lag-p99.svg"),
        chart(results, "Lag p99 behind the model (ms, log scale)", RunResult::lagP99, true));
    Files.writeString(
        dir.resolve("lag-p50.svg"),
        chart(results, "Lag p50 behind the model (ms, log scale)", RunResult::lagP50, true));
    Files.writeString(
        dir.resolve("cpu-per-million.svg"),
        chart(
            results,
            "Server CPU seconds per million delivered tokens (log scale)",
            RunResult::serverCpuPerMillion,
            true));
    Files.writeString(
        dir.resolve("throughput.svg"),
        chart(results, "Delivered tokens per second", RunResult::tokensPerSecond, false));
  }

  /** One line per transport against concurrency (log x). */
  static String chart(
      List<RunResult> results, String title, ToDoubleFunction<RunResult> metric, boolean logY) {
    Map<String, List<RunResult>> byTransport = new LinkedHashMap<>();
    TreeSet<Integer> cs = new TreeSet<>();
    double max = 0;
    double min = Double.MAX_VALUE;
    for (RunResult r : results) {
      byTransport.computeIfAbsent(r.transport(), k -> new ArrayList<>()).add(r);
      cs.add(r.c());
      double v = metric.applyAsDouble(r);
      if (!Double.isNaN(v)) {
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
    }
    int w = 720;
    int h = 420;
    int left = 80;
    int right = 150;
    int top = 50;
    int bottom = 60;
    double xMin = Math.log10(cs.first());
    double xMax = Math.log10(cs.last());
    if (xMax == xMin) {
      xMax = xMin + 1;
    }
    double yMin = logY ? Math.floor(Math.log10(Math.max(0.1, min))) : 0;
    double yMax = logY ? Math.ceil(Math.log10(Math.max(max, 1))) : niceCeiling(max);
    if (yMax <= yMin) {
      yMax = yMin + 1;
    }
    final double fxMin = xMin, fxMax = xMax, fyMin = yMin, fyMax = yMax;
    java.util.function.DoubleUnaryOperator x =
        c -> left + (Math.log10(c) - fxMin) / (fxMax - fxMin) * (w - left - right);
    java.util.function.DoubleUnaryOperator y =
        v -> {
          double t = logY ? Math.log10(Math.max(v, Math.pow(10, fyMin))) : v;
          return h - bottom - (t - fyMin) / (fyMax - fyMin) * (h - top - bottom);
        };
    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " font-family=\"sans-serif\" font-size=\"13\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            w, h, w, h));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">%s</text>\n", left, title));
    // y grid and labels
    int ticks = logY ? (int) (yMax - yMin) : 5;
    for (int i = 0; i <= ticks; i++) {
      double value = logY ? Math.pow(10, yMin + i) : yMax * i / ticks;
      double py = y.applyAsDouble(value);
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, w - right, py, py));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", left - 8, py + 4, label(value)));
    }
    for (int c : cs) {
      double px = x.applyAsDouble(c);
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>\n", px, px, top, h - bottom));
      svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", px, h - bottom + 20, c >= 1000 && c % 1000 == 0 ? c / 1000 + "k" : Integer.toString(c)));
    }
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">concurrent streams (c, log scale)</text>\n", (left + w - right) / 2, h - 15));
    int k = 0;
    for (Map.Entry<String, List<RunResult>> line : byTransport.entrySet()) {
      String color = COLORS[k % COLORS.length];
      StringBuilder points = new StringBuilder();
      for (RunResult r : line.getValue()) {
        double v = metric.applyAsDouble(r);
        if (Double.isNaN(v)) {
          continue;
        }
        double px = x.applyAsDouble(r.c());
        double py = y.applyAsDouble(v);
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
        svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", px, py, color));
      }
      svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n", points.toString().trim(), color));
      int ly = top + 10 + 22 * k;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>\n", w - right + 15, w - right + 40, ly, ly, color));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>\n", w - right + 46, ly + 4, line.getKey()));
      k++;
    }
    return svg.append("</svg>\n").toString();
  }

  private static double niceCeiling(double v) {
    if (v <= 0) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static String label(double v) {
    if (v >= 1000 && v % 1000 == 0) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return v >= 10 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }
}
