package io.wasmplane.wasm.abi;

import com.dylibso.chicory.runtime.Memory;
import java.nio.charset.StandardCharsets;

/**
 * Header names decoded once per VM: a plugin asks for the same few names on every request, so the host keeps the
 * String of each short name it has decoded, found by the name's bytes read straight from linear memory as up to
 * four little-endian words (no copy, no allocation on a hit). Direct-mapped and bounded: a collision, a long name
 * or a name at the very end of memory just decodes again. Touched only on the VM's thread.
 */
final class NameCache {
  /** Names up to this many bytes are cached (real header names almost always are). */
  static final int MAX_NAME_BYTES = 32;
  private static final int SLOTS = 128; // a power of two
  private static final int WORDS = MAX_NAME_BYTES / 8;

  private final long[] words = new long[SLOTS * WORDS];
  private final int[] lengths = new int[SLOTS]; // 0: empty slot
  private final String[] names = new String[SLOTS];

  /**
   * The UTF-8 string of the {@code len} bytes at {@code ptr}, which the caller has checked lie inside memory of
   * {@code memorySize} bytes.
   */
  String decode(Memory memory, int ptr, int len, long memorySize) {
    int nWords = (len + 7) >>> 3;
    if (len == 0 || len > MAX_NAME_BYTES || ptr + 8L * nWords > memorySize) {
      return len == 0 ? "" : memory.readString(ptr, len, StandardCharsets.UTF_8);
    }
    long tailMask = (len & 7) == 0 ? -1L : (1L << ((len & 7) * 8)) - 1; // little-endian: the name's bytes are low
    long w0 = memory.readLong(ptr);
    long w1 = 0;
    long w2 = 0;
    long w3 = 0;
    if (nWords > 1) {
      w1 = memory.readLong(ptr + 8);
      if (nWords > 2) {
        w2 = memory.readLong(ptr + 16);
        if (nWords > 3) {
          w3 = memory.readLong(ptr + 24);
        }
      }
    }
    switch (nWords) {
      case 1 -> w0 &= tailMask;
      case 2 -> w1 &= tailMask;
      case 3 -> w2 &= tailMask;
      default -> w3 &= tailMask;
    }
    long h = (w0 * 0x9E3779B97F4A7C15L) ^ (w1 * 0xC2B2AE3D27D4EB4FL) ^ (w2 * 0x165667B19E3779F9L) ^ w3 ^ len;
    int slot = (int) (h ^ (h >>> 29) ^ (h >>> 47)) & (SLOTS - 1);
    int at = slot * WORDS;
    if (lengths[slot] == len && words[at] == w0 && words[at + 1] == w1 && words[at + 2] == w2
        && words[at + 3] == w3) {
      return names[slot];
    }
    String name = memory.readString(ptr, len, StandardCharsets.UTF_8);
    lengths[slot] = len;
    words[at] = w0;
    words[at + 1] = w1;
    words[at + 2] = w2;
    words[at + 3] = w3;
    names[slot] = name;
    return name;
  }
}
