package io.wasmplane.dataplane.upstream;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One host's request outcomes in the current outlier-detection interval (Envoy's success-rate accumulator): workers
 * add, the detector swaps in a fresh window at each interval and reads the one that just ended.
 */
final class SuccessRateWindow {
  private final AtomicReference<Counts> current = new AtomicReference<>(new Counts());
  private Counts last = new Counts(); // detector loop only

  void record(boolean success) {
    Counts c = current.get();
    c.total.increment();
    if (success) {
      c.success.increment();
    }
  }

  /** Ends the interval: what it counted becomes readable through {@link #rate()} and {@link #volume()}. */
  void roll() {
    last = current.getAndSet(new Counts());
  }

  long volume() {
    return last.total.sum();
  }

  /** Success percentage of the interval that ended (0..100); meaningful when {@link #volume()} is above 0. */
  double rate() {
    long total = last.total.sum();
    return total == 0 ? 100 : 100.0 * last.success.sum() / total;
  }

  private static final class Counts {
    final LongAdder success = new LongAdder();
    final LongAdder total = new LongAdder();
  }
}
