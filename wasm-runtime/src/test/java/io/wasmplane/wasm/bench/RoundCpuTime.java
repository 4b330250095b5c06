package io.wasmplane.wasm.bench;

import io.wasmplane.wasm.ExecutionMode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * A second opinion next to JMH for a loaded, shared machine: the benchmark thread's own CPU time per request round
 * (time the thread spends descheduled does not count), min/p25/median over 30 chunks after a warm-up. Same rounds
 * and states as the JMH benchmarks. Run one contender per JVM, alternating, e.g.
 * {@code java -cp <test classpath> io.wasmplane.wasm.bench.RoundCpuTime wasmplane|peer|plain [COMPILED|INTERPRETED]}.
 */
public final class RoundCpuTime {
  private static volatile Object sink;

  private RoundCpuTime() {}

  public static void main(String[] args) throws Exception {
    String who = args.length > 0 ? args[0] : "wasmplane";
    ExecutionMode mode = ExecutionMode.valueOf(args.length > 1 ? args[1] : "COMPILED");
    Runnable round;
    switch (who) {
      case "wasmplane" -> {
        RequestRoundBenchmark.Wasmplane s = new RequestRoundBenchmark.Wasmplane();
        s.mode = mode;
        s.setUp();
        round = () -> sink = s.round();
      }
      case "peer" -> {
        RequestRoundBenchmark.Peer s = new RequestRoundBenchmark.Peer();
        s.mode = mode;
        s.setUp();
        round = () -> sink = s.round();
      }
      case "plain" -> {
        PlainJavaRoundBenchmark s = new PlainJavaRoundBenchmark();
        s.check();
        round = () -> sink = s.plainJava();
      }
      default -> throw new IllegalArgumentException("contender must be wasmplane, peer or plain, got " + who);
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long warmUpEnd = System.nanoTime() + 6_000_000_000L;
    while (System.nanoTime() < warmUpEnd) {
      for (int i = 0; i < 1000; i++) {
        round.run();
      }
    }
    int chunks = 30;
    int rounds = mode == ExecutionMode.INTERPRETED ? 2_000 : 50_000;
    double[] perRound = new double[chunks];
    for (int c = 0; c < chunks; c++) {
      long start = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < rounds; i++) {
        round.run();
      }
      perRound[c] = (threads.getCurrentThreadCpuTime() - start) / (double) rounds;
    }
    Arrays.sort(perRound);
    System.out.printf("%-10s %-11s CPU ns per round: min %.0f  p25 %.0f  median %.0f%n",
        who, mode, perRound[0], perRound[chunks / 4], perRound[chunks / 2]);
    System.exit(0); // the hosts' executor threads are daemons, the peer's may not be
  }
}
