package io.wasmplane.dataplane.stats;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One stat update on a worker thread: {@link Counter#inc} and {@link Gauge#inc}/{@link Gauge#dec} against what they
 * were before per-worker cells (a {@link LongAdder} increment, an {@link AtomicLong} add), and {@link Histogram#record}.
 * JMH runs the benchmark threads as real {@link WorkerThread}s (its CUSTOM executor, {@link WorkerExecutor}); all
 * threads share one stat, as the workers share a cluster's. Not in `make bench`; run with JMH's Main on the test
 * classpath: {@code java -cp ... org.openjdk.jmh.Main -f 1 -wi 2 -i 3 CounterBenchmark} (add {@code -t 2}). To compare
 * with older stats classes, put their compiled Counter/Gauge/Histogram first on the classpath (same public API).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsAppend = {"-Djmh.executor=CUSTOM",
    "-Djmh.executor.class=io.wasmplane.dataplane.stats.CounterBenchmark$WorkerExecutor"})
public class CounterBenchmark {
  private final Counter counter = new Counter();
  private final LongAdder adder = new LongAdder();
  private final Gauge gauge = new Gauge();
  private final AtomicLong atomic = new AtomicLong();
  private final Histogram histogram = new Histogram();

  @Setup
  public void onWorkerThreads() {
    if (!(Thread.currentThread() instanceof WorkerThread)) { // -f 0 drops the fork's -Djmh.executor
      throw new IllegalStateException("benchmark threads are not WorkerThreads: run forked (-f 1)");
    }
  }

  @Benchmark
  public void counterInc() {
    counter.inc();
  }

  /** Counter.inc before: a LongAdder. */
  @Benchmark
  public void longAdderIncrement() {
    adder.increment();
  }

  @Benchmark
  public void gaugeIncDec() {
    gauge.inc();
    gauge.dec();
  }

  /** Gauge.inc/dec before: an AtomicLong. */
  @Benchmark
  public void atomicLongIncDec() {
    atomic.incrementAndGet();
    atomic.decrementAndGet();
  }

  @Benchmark
  public void histogramRecord() {
    histogram.record(42);
  }

  /** JMH's benchmark threads as worker threads (JMH calls this constructor for -Djmh.executor=CUSTOM). */
  public static final class WorkerExecutor extends ThreadPoolExecutor {
    public WorkerExecutor(int threads, String prefix) {
      super(threads, threads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), new Names(prefix));
    }

    private record Names(String prefix, AtomicInteger next) implements java.util.concurrent.ThreadFactory {
      Names(String prefix) {
        this(prefix, new AtomicInteger());
      }

      @Override
      public Thread newThread(Runnable r) {
        WorkerThread t = new WorkerThread(null, r, prefix + "-" + next.incrementAndGet());
        t.setDaemon(true);
        return t;
      }
    }
  }
}
