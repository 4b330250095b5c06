package io.wasmplane.dataplane.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * A second opinion next to JMH for a loaded, shared machine: {@link StreamPathBenchmark}'s request as the benchmark
 * thread's own CPU time per request (time spent descheduled does not count), min/p25/median over 30 chunks after a
 * warm-up. Run one build per JVM, alternating builds, e.g.
 * {@code java -cp <test classpath> -Dwasmplane.plugins.dir=plugins/build io.wasmplane.dataplane.bench.StreamPathCpuTime c_bench}.
 */
public final class StreamPathCpuTime {
  private static volatile int sink;

  private StreamPathCpuTime() {}

  public static void main(String[] args) throws Exception {
    StreamPathBenchmark bench = new StreamPathBenchmark();
    bench.filter = args.length > 0 ? args[0] : "c_bench";
    bench.setUp();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long warmUpEnd = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < warmUpEnd) {
      for (int i = 0; i < 1000; i++) {
        sink = bench.request();
      }
    }
    int chunks = 30;
    int requests = 50_000;
    double[] perRequest = new double[chunks];
    for (int c = 0; c < chunks; c++) {
      long start = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < requests; i++) {
        sink = bench.request();
      }
      perRequest[c] = (threads.getCurrentThreadCpuTime() - start) / (double) requests;
    }
    bench.tearDown();
    Arrays.sort(perRequest);
    System.out.printf("%-8s CPU ns per request: min %.0f  p25 %.0f  median %.0f%n",
        bench.filter, perRequest[0], perRequest[chunks / 4], perRequest[chunks / 2]);
    System.exit(0);
  }
}
