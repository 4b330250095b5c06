package io.wasmplane.dataplane.stats;

import java.util.concurrent.atomic.LongAdder;

/** A monotonically increasing count; lock-free, cheap to increment from any worker. */
public final class Counter {
  private final LongAdder value = new LongAdder();
  /** Counted before a /reset_counters: still "used" for /stats?usedonly, as Envoy's flag. */
  private volatile boolean usedBeforeReset;

  public void inc() {
    value.increment();
  }

  public void add(long n) {
    value.add(n);
  }

  public long value() {
    return value.sum();
  }

  /** Back to zero (/reset_counters); increments racing with it may be lost, as in Envoy. */
  public void reset() {
    if (value.sum() != 0) {
      usedBeforeReset = true;
    }
    value.reset();
  }

  /** Envoy's "used": counted at least once, a reset since included (/stats?usedonly). */
  public boolean used() {
    return usedBeforeReset || value.sum() != 0;
  }
}
