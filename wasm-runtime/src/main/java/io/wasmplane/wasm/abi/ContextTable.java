package io.wasmplane.wasm.abi;

import java.util.ArrayList;
import java.util.List;

/**
 * A VM's live contexts by id: open addressing on the int id with linear probing, so creating and closing a stream
 * context boxes nothing and allocates no map node. Touched only on the VM's thread.
 */
final class ContextTable {
  private int[] ids = new int[16]; // 0: empty (context ids start at 1)
  private ContextState[] states = new ContextState[16];
  private int size;

  ContextState get(int id) {
    int mask = ids.length - 1;
    for (int i = slot(id, mask); ids[i] != 0; i = (i + 1) & mask) {
      if (ids[i] == id) {
        return states[i];
      }
    }
    return null;
  }

  void put(ContextState ctx) {
    if ((size + 1) * 2 > ids.length) {
      grow();
    }
    int mask = ids.length - 1;
    int i = slot(ctx.id, mask);
    while (ids[i] != 0 && ids[i] != ctx.id) {
      i = (i + 1) & mask;
    }
    if (ids[i] == 0) {
      size++;
    }
    ids[i] = ctx.id;
    states[i] = ctx;
  }

  void remove(int id) {
    int mask = ids.length - 1;
    int i = slot(id, mask);
    while (ids[i] != id) {
      if (ids[i] == 0) {
        return;
      }
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: pull later entries of the probe run into the hole so lookups never stop early.
    int hole = i;
    for (int j = (hole + 1) & mask; ids[j] != 0; j = (j + 1) & mask) {
      int home = slot(ids[j], mask);
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        ids[hole] = ids[j];
        states[hole] = states[j];
        hole = j;
      }
    }
    ids[hole] = 0;
    states[hole] = null;
    size--;
  }

  int size() {
    return size;
  }

  List<ContextState> values() {
    List<ContextState> out = new ArrayList<>(size);
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] != 0) {
        out.add(states[i]);
      }
    }
    return out;
  }

  void clear() {
    ids = new int[16];
    states = new ContextState[16];
    size = 0;
  }

  private void grow() {
    int[] oldIds = ids;
    ContextState[] oldStates = states;
    ids = new int[oldIds.length * 2];
    states = new ContextState[oldIds.length * 2];
    size = 0;
    for (int i = 0; i < oldIds.length; i++) {
      if (oldIds[i] != 0) {
        put(oldStates[i]);
      }
    }
  }

  private static int slot(int id, int mask) {
    return (id * 0x9E3779B9 >>> 16 ^ id) & mask;
  }
}
