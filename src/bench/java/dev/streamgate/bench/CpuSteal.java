package dev.streamgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time the hypervisor gave to other guests ({@code steal} in {@code /proc/stat}): on a shared
 * virtual machine the load average does not show it, and it moves every figure of a run.
 */
final class CpuSteal {

  private CpuSteal() {}

  /** The aggregate {@code cpu} line's counters, or null where there is no {@code /proc/stat}. */
  static long[] read() {
    try {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long[] ticks = new long[fields.length - 1];
      for (int i = 1; i < fields.length; i++) {
        ticks[i - 1] = Long.parseLong(fields[i]);
      }
      return ticks;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Steal as a share of all CPU time between two readings (user .. steal), or NaN. */
  static double percent(long[] before, long[] after) {
    if (before == null || after == null || before.length < 8) {
      return Double.NaN;
    }
    long total = 0;
    for (int i = 0; i < 8; i++) { // user nice system idle iowait irq softirq steal
      total += after[i] - before[i];
    }
    return total == 0 ? Double.NaN : 100.0 * (after[7] - before[7]) / total;
  }
}
