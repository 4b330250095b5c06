package io.wasmplane.dataplane.stats;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A distribution of non-negative integer values (e.g. milliseconds), cheap to record from any worker: no lock and no
 * allocation per value. Buckets keep two significant digits (values up to 100 exactly, then 90 buckets per decade, each
 * holding the values in {@code (upper - step, upper]}), so Envoy's Prometheus bounds are bucket edges and quantiles are
 * within 10%. Each thread records into one of a few stripes (a worker mostly has its own); reads merge the stripes.
 * A stripe's decade arrays are allocated the first time a value falls there. {@link #flush} (every stats flush
 * interval) closes an interval, as Envoy's histogram merge does: {@link #interval} holds the values of the last one.
 */
public final class Histogram {
  private static final int STRIPES = stripes();
  private final AtomicReferenceArray<AtomicLongArray>[] stripes;
  private final AtomicLongArray sums = new AtomicLongArray(STRIPES * 8); // one slot per 64-byte line, against false sharing
  private HistogramSnapshot flushed = HistogramSnapshot.EMPTY; // guarded by this
  private volatile HistogramSnapshot interval = HistogramSnapshot.EMPTY;

  @SuppressWarnings("unchecked")
  public Histogram() {
    stripes = new AtomicReferenceArray[STRIPES];
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new AtomicReferenceArray<>(Buckets.CHUNKS);
    }
  }

  /** Records one value; negative values count as 0 (Envoy's histograms are unsigned). */
  public void record(long value) {
    long v = Math.max(0, value);
    int stripe = (int) Thread.currentThread().getId() & (STRIPES - 1);
    int chunk = Buckets.chunk(v);
    AtomicReferenceArray<AtomicLongArray> chunks = stripes[stripe];
    AtomicLongArray counts = chunks.get(chunk);
    if (counts == null) {
      chunks.compareAndSet(chunk, null, new AtomicLongArray(Buckets.chunkSize(chunk)));
      counts = chunks.get(chunk);
    }
    counts.incrementAndGet(Buckets.slot(v, chunk));
    sums.addAndGet(stripe * 8, v);
  }

  /** Records the milliseconds elapsed since {@code startNanos} (a {@link System#nanoTime} reading). */
  public void recordMillisSince(long startNanos) {
    record((System.nanoTime() - startNanos) / 1_000_000);
  }

  /** The values recorded so far, merged across stripes. */
  public HistogramSnapshot snapshot() {
    long[] counts = new long[Buckets.COUNT];
    long sum = 0;
    for (int s = 0; s < STRIPES; s++) {
      for (int c = 0; c < Buckets.CHUNKS; c++) {
        AtomicLongArray a = stripes[s].get(c);
        if (a != null) {
          int base = Buckets.firstIndex(c);
          for (int i = 0; i < a.length(); i++) {
            counts[base + i] += a.get(i);
          }
        }
      }
      sum += sums.get(s * 8);
    }
    return new HistogramSnapshot(counts, sum);
  }

  /** Ends the current interval: what was recorded since the previous flush becomes {@link #interval}. */
  public synchronized void flush() {
    HistogramSnapshot now = snapshot();
    interval = now.minus(flushed);
    flushed = now;
  }

  /** The values recorded in the last completed flush interval (empty before the first flush). */
  public HistogramSnapshot interval() {
    return interval;
  }

  /** A power of two near the core count (2..16): enough that workers rarely share a stripe. */
  private static int stripes() {
    int p = Runtime.getRuntime().availableProcessors();
    return Math.max(2, Math.min(16, Integer.highestOneBit(Math.max(1, p - 1)) << 1));
  }
}
