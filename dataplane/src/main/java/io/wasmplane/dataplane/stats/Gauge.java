package io.wasmplane.dataplane.stats;

import java.util.concurrent.atomic.AtomicLong;

/** A value that goes up and down. */
public final class Gauge {
  private final AtomicLong value = new AtomicLong();
  /** Written at least once (Envoy's "used" flag for /stats?usedonly): a gauge back at 0 still shows. */
  private volatile boolean used;

  public void inc() {
    value.incrementAndGet();
    markUsed();
  }

  public void dec() {
    value.decrementAndGet();
    markUsed();
  }

  public void set(long v) {
    value.set(v);
    markUsed();
  }

  /** Envoy's "used": written at least once. */
  public boolean used() {
    return used;
  }

  private void markUsed() {
    if (!used) { // a read on the hot path; the write happens once
      used = true;
    }
  }

  public long value() {
    return value.get();
  }
}
