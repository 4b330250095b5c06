package io.wasmplane.dataplane.stats;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The per-worker cells of a stat: slot 0 is shared by every thread that is not a slot-owning {@link WorkerThread}
 * (admin, xDS, health checks, timers) and updated atomically; slots 1..{@link #COUNT} belong to one running worker
 * each, which updates its cell with plain reads and opaque writes. Readers sum all cells. Each cell sits on its own
 * 64-byte line (and one line of padding at either end of the array), against false sharing between workers.
 */
final class StatSlots {
  /**
   * Worker slots per stat: {@code -Dwasmplane.stats.workerSlots} (1..64), else the core count within 4..16 (room for a
   * second worker group, e.g. while one drains). Workers beyond it share slot 0: slower, still exact.
   */
  static final int COUNT = Math.max(1, Math.min(64, Integer.getInteger("wasmplane.stats.workerSlots",
      Math.max(4, Math.min(16, Runtime.getRuntime().availableProcessors())))));
  static final int STRIDE = 8; // longs per 64-byte line
  static final int LENGTH = (COUNT + 3) * STRIDE;

  private static final ConcurrentLinkedQueue<Integer> FREE = new ConcurrentLinkedQueue<>();

  static {
    for (int s = 1; s <= COUNT; s++) {
      FREE.add(s);
    }
  }

  private StatSlots() {}

  /** A free slot, or 0 when all are taken. The queue hands a slot over with a happens-before edge. */
  static int acquire() {
    Integer s = FREE.poll();
    return s == null ? 0 : s;
  }

  static void release(int slot) {
    if (slot != 0) {
      FREE.add(slot);
    }
  }

  /** Index of {@code slot}'s line (its first column) in an array of {@link #LENGTH} longs. */
  static int line(int slot) {
    return (slot + 1) * STRIDE;
  }
}
