package io.wasmplane.dataplane.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A running sum kept in per-worker cells ({@link StatSlots}): a worker adds with a plain read and an opaque write to
 * its own cell, any other thread with an atomic add to the shared one; a read sums the cells. Stats share blocks of
 * {@link StatSlots#STRIDE} columns: in a block, one 64-byte line per slot holds that slot's cells of all its stats,
 * so no line is written by two workers, and a stat costs {@code 8 * (slots + 3)} bytes rather than a line per slot.
 * A stat claims its column on its first write: the many stats of a large config that never move cost an empty field.
 */
abstract class WorkerCells {
  static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle BLOCK;
  private static final Object CLAIMS = new Object();
  private static long[] openBlock; // guarded by CLAIMS: the block columns are being handed out from
  private static int nextColumn = StatSlots.STRIDE; // guarded by CLAIMS

  static {
    try {
      BLOCK = MethodHandles.lookup().findVarHandle(WorkerCells.class, "block", long[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private long[] block; // null until the first write; published (release) after column
  private int column;

  final void addToCell(long n) {
    long[] b = (long[]) BLOCK.getAcquire(this);
    if (b == null) {
      b = claim();
    }
    int slot = WorkerThread.currentSlot();
    int i = StatSlots.line(slot) + column;
    if (slot == 0) {
      CELL.getAndAdd(b, i, n);
    } else {
      CELL.setOpaque(b, i, b[i] + n); // this worker is the cell's only writer
    }
  }

  final long sumOfCells() {
    long[] b = (long[]) BLOCK.getAcquire(this);
    if (b == null) {
      return 0;
    }
    long sum = 0;
    for (int s = 0; s <= StatSlots.COUNT; s++) {
      sum += (long) CELL.getOpaque(b, StatSlots.line(s) + column);
    }
    return sum;
  }

  private synchronized long[] claim() {
    if (block == null) {
      long[] b;
      int c;
      synchronized (CLAIMS) {
        if (nextColumn == StatSlots.STRIDE) {
          openBlock = new long[StatSlots.LENGTH];
          nextColumn = 0;
        }
        b = openBlock;
        c = nextColumn++;
      }
      column = c;
      BLOCK.setRelease(this, b); // a thread that sees the block sees the column
    }
    return block;
  }
}
