package io.wasmplane.dataplane.upstream;

import java.util.function.IntToDoubleFunction;

/**
 * Envoy's earliest-deadline-first scheduler for weighted round robin, over entries 0..n-1: each entry's deadline is
 * the time it was (re)scheduled + 1 / its weight; a pick takes the earliest deadline (ties: the entry scheduled first),
 * moves the clock there and schedules the entry again with its weight at that moment. O(log n) per pick, no
 * allocation. Not thread-safe: one per worker ({@link WorkerSlots}).
 */
final class EdfScheduler {
  /** A binary min-heap by (deadline, order), position by position: the entry, its deadline and when it was scheduled. */
  private final int[] entry;
  private final double[] deadline;
  private final long[] order;
  private long scheduled;

  /** Schedules every entry with its weight from {@code weightOf} (each > 0). */
  EdfScheduler(int n, IntToDoubleFunction weightOf) {
    if (n < 1) {
      throw new IllegalArgumentException("no entries");
    }
    entry = new int[n];
    deadline = new double[n];
    order = new long[n];
    for (int i = 0; i < n; i++) {
      entry[i] = i;
      deadline[i] = 1 / weightOf.applyAsDouble(i);
      order[i] = scheduled++;
    }
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDown(i, entry[i], deadline[i], order[i]);
    }
  }

  /** The entry with the earliest deadline, scheduled again with its weight now (a replace-top, not a pop and push). */
  int pickAndAdd(IntToDoubleFunction weightOf) {
    int e = entry[0];
    double now = deadline[0];
    siftDown(0, e, now + 1 / weightOf.applyAsDouble(e), scheduled++);
    return e;
  }

  /** Puts (e, d, o) at {@code at} and moves it down past every child that is due earlier. */
  private void siftDown(int at, int e, double d, long o) {
    int n = entry.length;
    while (true) {
      int child = 2 * at + 1;
      if (child >= n) {
        break;
      }
      int right = child + 1;
      if (right < n && earlier(deadline[right], order[right], deadline[child], order[child])) {
        child = right;
      }
      if (!earlier(deadline[child], order[child], d, o)) {
        break;
      }
      entry[at] = entry[child];
      deadline[at] = deadline[child];
      order[at] = order[child];
      at = child;
    }
    entry[at] = e;
    deadline[at] = d;
    order[at] = o;
  }

  private static boolean earlier(double d1, long o1, double d2, long o2) {
    return d1 < d2 || (d1 == d2 && o1 < o2);
  }
}
