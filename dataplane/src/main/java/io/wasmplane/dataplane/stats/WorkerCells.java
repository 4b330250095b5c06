package io.wasmplane.dataplane.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A running sum kept in per-worker cells ({@link WorkerSlots}): a worker adds with a plain read and an opaque write to
 * its own cell, any other thread with an atomic add to the shared one; a read sums the cells. The cells are allocated
 * on the first write, so the many stats of a large config that never move cost no more than an empty field.
 */
abstract class WorkerCells {
  static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle CELLS;

  static {
    try {
      CELLS = MethodHandles.lookup().findVarHandle(WorkerCells.class, "cells", long[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private long[] cells; // null until the first write; published with a CAS

  final void addToCell(long n) {
    long[] c = cells;
    if (c == null) {
      c = allocate();
    }
    int slot = WorkerThread.currentSlot();
    int i = WorkerSlots.cell(slot);
    if (slot == 0) {
      CELL.getAndAdd(c, i, n);
    } else {
      CELL.setOpaque(c, i, c[i] + n); // this worker is the cell's only writer
    }
  }

  final long sumOfCells() {
    long[] c = (long[]) CELLS.getAcquire(this);
    if (c == null) {
      return 0;
    }
    long sum = 0;
    for (int s = 0; s <= WorkerSlots.COUNT; s++) {
      sum += (long) CELL.getOpaque(c, WorkerSlots.cell(s));
    }
    return sum;
  }

  private long[] allocate() {
    CELLS.compareAndSet(this, null, new long[WorkerSlots.LENGTH]);
    return (long[]) CELLS.getVolatile(this);
  }
}
