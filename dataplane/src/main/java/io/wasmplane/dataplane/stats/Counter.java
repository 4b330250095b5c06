package io.wasmplane.dataplane.stats;

import java.util.concurrent.atomic.LongAdder;

/** A monotonically increasing count; lock-free, cheap to increment from any worker. */
public final class Counter {
  private final LongAdder value = new LongAdder();

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
    value.reset();
  }
}
