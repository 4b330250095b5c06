package io.wasmplane.dataplane.stats;

/**
 * A monotonically increasing count. Each worker increments its own cell without an atomic instruction (Envoy's counters
 * are per thread too); a read sums the cells.
 */
public final class Counter extends WorkerCells {
  /** The sum of the cells at the last /reset_counters: the value counts from there (the cells never go back). */
  private volatile long resetAt;
  /** Counted before a /reset_counters: still "used" for /stats?usedonly, as Envoy's flag. */
  private volatile boolean usedBeforeReset;

  public void inc() {
    addToCell(1);
  }

  public void add(long n) {
    addToCell(n);
  }

  public long value() {
    long base = resetAt; // read before the cells, which only grow: never below zero
    return Math.max(0, sumOfCells() - base);
  }

  /** Back to zero (/reset_counters); an increment racing with it lands before or after it, as in Envoy. */
  public synchronized void reset() {
    long sum = sumOfCells();
    if (sum != resetAt) {
      usedBeforeReset = true;
    }
    resetAt = sum;
  }

  /** Envoy's "used": counted at least once, a reset since included (/stats?usedonly). */
  public boolean used() {
    return usedBeforeReset || value() != 0;
  }
}
