package io.wasmplane.dataplane.upstream;

import java.util.function.IntToDoubleFunction;

/**
 * Envoy's earliest-deadline-first scheduler for weighted round robin, over entries 0..n-1: each entry's deadline is
 * the time it was (re)scheduled + 1 / its weight; a pick takes the earliest deadline (ties: the entry scheduled first),
 * moves the clock there and schedules the entry again with its weight at that moment. O(log n) per pick, no
 * allocation. Not thread-safe: one per worker ({@link WorkerSlots}).
 */
final class EdfScheduler {
  /** A binary min-heap of entries by (deadline, order). */
  private final int[] heap;
  private final double[] deadline;
  private final long[] order;
  private double now;
  private long scheduled;

  /** Schedules every entry with its weight from {@code weightOf} (each > 0). */
  EdfScheduler(int n, IntToDoubleFunction weightOf) {
    if (n < 1) {
      throw new IllegalArgumentException("no entries");
    }
    heap = new int[n];
    deadline = new double[n];
    order = new long[n];
    for (int i = 0; i < n; i++) {
      heap[i] = i;
      deadline[i] = 1 / weightOf.applyAsDouble(i);
      order[i] = scheduled++;
    }
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDown(i);
    }
  }

  /** The entry with the earliest deadline, scheduled again with its weight now (a replace-top, not a pop and push). */
  int pickAndAdd(IntToDoubleFunction weightOf) {
    int e = heap[0];
    now = deadline[e];
    deadline[e] = now + 1 / weightOf.applyAsDouble(e);
    order[e] = scheduled++;
    siftDown(0);
    return e;
  }

  private void siftDown(int at) {
    int n = heap.length;
    int e = heap[at];
    while (true) {
      int child = 2 * at + 1;
      if (child >= n) {
        break;
      }
      if (child + 1 < n && earlier(heap[child + 1], heap[child])) {
        child++;
      }
      if (!earlier(heap[child], e)) {
        break;
      }
      heap[at] = heap[child];
      at = child;
    }
    heap[at] = e;
  }

  private boolean earlier(int a, int b) {
    return deadline[a] < deadline[b] || (deadline[a] == deadline[b] && order[a] < order[b]);
  }
}
