package io.wasmplane.dataplane.stats;

import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * A worker event-loop thread. While it runs it owns one of {@link StatSlots}' slots, so counters, gauges and
 * histograms it updates write a cell no other thread writes (no atomic instruction), as Envoy's per-thread stats; a
 * worker started when every slot is taken uses the shared atomic cell, like any other thread.
 */
public final class WorkerThread extends FastThreadLocalThread {
  /** The owned slot (1..{@link StatSlots#COUNT}), or 0 for the shared one; written by this thread only. */
  int slot;

  public WorkerThread(ThreadGroup group, Runnable task, String name) {
    super(group, task, name);
  }

  @Override
  public void run() {
    slot = StatSlots.acquire();
    try {
      super.run();
    } finally {
      int s = slot;
      slot = 0;
      StatSlots.release(s);
    }
  }

  /** The calling thread's slot: 0 (the shared, atomic one) unless it is a {@link WorkerThread} owning one. */
  static int currentSlot() {
    return Thread.currentThread() instanceof WorkerThread w ? w.slot : 0;
  }
}
