package io.wasmplane.dataplane.stats;

import java.util.concurrent.atomic.AtomicLong;

/** A value that goes up and down. */
public final class Gauge {
  private final AtomicLong value = new AtomicLong();

  public void inc() {
    value.incrementAndGet();
  }

  public void dec() {
    value.decrementAndGet();
  }

  public void set(long v) {
    value.set(v);
  }

  public long value() {
    return value.get();
  }
}
