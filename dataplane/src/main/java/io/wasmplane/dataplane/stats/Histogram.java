package io.wasmplane.dataplane.stats;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A distribution of non-negative integer values (e.g. milliseconds), cheap to record from any worker: no lock and no
 * allocation per value. Buckets keep two significant digits (values up to 100 exactly, then 90 buckets per decade, each
 * holding the values in {@code (upper - step, upper]}), so Envoy's Prometheus bounds are bucket edges and quantiles are
 * within 10%. Each worker owning a {@link StatSlots} slot records into its own stripe with plain reads and opaque writes
 * (no atomic instruction); other threads share stripe 0 with atomic adds; reads merge the stripes.
 * A stripe's decade arrays are allocated the first time a value falls there. {@link #flush} (every stats flush
 * interval) closes an interval, as Envoy's histogram merge does: {@link #interval} holds the values of the last one.
 */
public final class Histogram {
  private static final int STRIPES = StatSlots.COUNT + 1;
  private static final VarHandle CELL = WorkerCells.CELL;
  private final AtomicReferenceArray<long[]>[] stripes;
  private final long[] sums = new long[StatSlots.LENGTH]; // a stripe's sum at StatSlots.line(stripe)
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
    int stripe = WorkerThread.currentSlot();
    int chunk = Buckets.chunk(v);
    AtomicReferenceArray<long[]> chunks = stripes[stripe];
    long[] counts = chunks.get(chunk);
    if (counts == null) {
      chunks.compareAndSet(chunk, null, new long[Buckets.chunkSize(chunk)]);
      counts = chunks.get(chunk);
    }
    int bucket = Buckets.slot(v, chunk);
    int sum = StatSlots.line(stripe);
    if (stripe == 0) {
      CELL.getAndAdd(counts, bucket, 1L);
      CELL.getAndAdd(sums, sum, v);
    } else { // this worker is the stripe's only writer
      CELL.setOpaque(counts, bucket, counts[bucket] + 1);
      CELL.setOpaque(sums, sum, sums[sum] + v);
    }
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
        long[] a = stripes[s].get(c);
        if (a != null) {
          int base = Buckets.firstIndex(c);
          for (int i = 0; i < a.length; i++) {
            counts[base + i] += (long) CELL.getOpaque(a, i);
          }
        }
      }
      sum += (long) CELL.getOpaque(sums, StatSlots.line(s));
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
}
