package io.wasmplane.dataplane.stats;

/**
 * A value that goes up and down. Each worker keeps its own running delta of inc/dec (no atomic instruction); {@link
 * #set} moves a base so that base plus the deltas is the value set, and later inc/dec from any thread count from it.
 */
public final class Gauge extends WorkerCells {
  private volatile long base;
  /** Written at least once (Envoy's "used" flag for /stats?usedonly): a gauge back at 0 still shows. */
  private volatile boolean used;

  public void inc() {
    addToCell(1);
    markUsed();
  }

  public void dec() {
    addToCell(-1);
    markUsed();
  }

  /** An inc/dec racing with it lands before or after it (its delta is in the sum read here, or comes after). */
  public synchronized void set(long v) {
    base = v - sumOfCells();
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
    return base + sumOfCells();
  }
}
