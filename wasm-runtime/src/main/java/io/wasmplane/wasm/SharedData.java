package io.wasmplane.wasm;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Process-wide key/value store for {@code proxy_get_shared_data}/{@code proxy_set_shared_data}, one space per
 * vm_id, shared by every VM (every worker) with that vm_id, as cpp-host's global shared data.
 *
 * <p>CAS as proxy-wasm: every successful write gives the entry a fresh non-zero cas from one counter; a set with
 * cas 0 is unconditional, a non-zero cas must equal the entry's current cas or the set fails with CAS_MISMATCH
 * (a non-zero cas on a missing key is accepted, as cpp-host does). Reads are lock-free; writes lock only their
 * vm_id's space. Bounded: a key or value over the size limit gets BAD_ARGUMENT; a new key in a full space, or a
 * write that would take the space's keys and values over its byte limit, gets INTERNAL_FAILURE (cpp-host bounds
 * nothing; without a total a plugin could store keys x value size, 16 GiB).
 */
public final class SharedData {
  public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
  public static final int DEFAULT_MAX_KEY_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_KEYS_PER_VM = 16 * 1024;
  public static final long DEFAULT_MAX_BYTES_PER_VM = 64L * 1024 * 1024;

  /** A value and its cas. The array is this entry's own copy. */
  public record Entry(byte[] value, int cas) {}

  private final int maxValueBytes;
  private final int maxKeysPerVm;
  private final long maxBytesPerVm;
  private final ConcurrentHashMap<String, Space> spaces = new ConcurrentHashMap<>();
  private int lastCas; // guarded by this; cas values are only taken under a space lock, then this lock

  public SharedData() {
    this(DEFAULT_MAX_VALUE_BYTES, DEFAULT_MAX_KEYS_PER_VM, DEFAULT_MAX_BYTES_PER_VM);
  }

  public SharedData(int maxValueBytes, int maxKeysPerVm) {
    this(maxValueBytes, maxKeysPerVm, DEFAULT_MAX_BYTES_PER_VM);
  }

  public SharedData(int maxValueBytes, int maxKeysPerVm, long maxBytesPerVm) {
    if (maxValueBytes < 0 || maxKeysPerVm < 1 || maxBytesPerVm < 1) {
      throw new IllegalArgumentException("shared data limits must be positive: value bytes " + maxValueBytes
          + ", keys " + maxKeysPerVm + ", bytes " + maxBytesPerVm);
    }
    this.maxValueBytes = maxValueBytes;
    this.maxKeysPerVm = maxKeysPerVm;
    this.maxBytesPerVm = maxBytesPerVm;
  }

  /** The entry for the key (a copy of its value and its cas), or null when absent. */
  public Entry get(String vmId, String key) {
    Space space = spaces.get(vmId);
    if (space == null) {
      return null;
    }
    Entry e = space.map.get(key);
    return e == null ? null : new Entry(e.value.clone(), e.cas);
  }

  /** Stores a copy of the value: OK, CAS_MISMATCH, or BAD_ARGUMENT / INTERNAL_FAILURE over the bounds. */
  public Status set(String vmId, String key, byte[] value, int cas) {
    if (value.length > maxValueBytes || key.length() > DEFAULT_MAX_KEY_BYTES) {
      return Status.BAD_ARGUMENT;
    }
    Space space = spaces.computeIfAbsent(vmId, id -> new Space());
    synchronized (space) {
      Entry current = space.map.get(key);
      if (current == null && space.map.size() >= maxKeysPerVm) {
        return Status.INTERNAL_FAILURE;
      }
      if (current != null && cas != 0 && cas != current.cas) {
        return Status.CAS_MISMATCH;
      }
      long bytes = space.bytes - (current == null ? 0 : key.length() + current.value.length)
          + key.length() + value.length;
      if (bytes > maxBytesPerVm) {
        return Status.INTERNAL_FAILURE;
      }
      space.map.put(key, new Entry(Arrays.copyOf(value, value.length), nextCas()));
      space.bytes = bytes;
      return Status.OK;
    }
  }

  /** The keys of one vm_id's space, in no particular order (for the admin API and the {@code getKeys} extension). */
  public List<String> keys(String vmId) {
    Space space = spaces.get(vmId);
    return space == null ? List.of() : List.copyOf(space.map.keySet());
  }

  private synchronized int nextCas() {
    lastCas++;
    if (lastCas == 0) { // 0 means "unconditional", never hand it out
      lastCas = 1;
    }
    return lastCas;
  }

  private static final class Space {
    final Map<String, Entry> map = new ConcurrentHashMap<>();
    long bytes; // keys (chars) and values of the map; guarded by the space's lock
  }
}
