package io.wasmplane.dataplane.wasm;

import io.netty.util.AsciiString;
import java.util.Arrays;
import java.util.Locale;

/**
 * The header names a worker's plugins pass, lower-cased once and kept as {@link AsciiString}s, so a lookup neither
 * scans the name for upper case nor copies it, and the proxy's header map compares bytes. The runtime hands over the
 * same String instance for a name on every request, so a name is found by identity in a small open-addressing table
 * (emptied when half full, so a plugin passing ever new names cannot grow it); a miss just converts again. One per
 * worker: touched only on its event loop.
 */
final class HeaderNames {
  /** Converts every time and keeps nothing, so any thread may use it: for views made once (property values). */
  static final HeaderNames UNCACHED = new HeaderNames(0);
  private static final int SLOTS = 128; // a power of two
  private final String[] keys;
  private final CharSequence[] names;
  private int size;

  HeaderNames() {
    this(SLOTS);
  }

  private HeaderNames(int slots) {
    keys = new String[slots];
    names = new CharSequence[slots];
  }

  /** {@code key} in lower case: an AsciiString when it is ASCII (header names are), else a String. */
  CharSequence of(String key) {
    if (keys.length == 0) {
      return convert(key);
    }
    int h = key.hashCode(); // String caches its hash
    int i = (h ^ (h >>> 16)) & (SLOTS - 1);
    for (String k; (k = keys[i]) != null; i = (i + 1) & (SLOTS - 1)) {
      if (k == key) {
        return names[i];
      }
    }
    CharSequence name = convert(key);
    if (size >= SLOTS / 2) {
      Arrays.fill(keys, null);
      Arrays.fill(names, null);
      size = 0;
      i = (h ^ (h >>> 16)) & (SLOTS - 1);
    }
    keys[i] = key;
    names[i] = name;
    size++;
    return name;
  }

  private static CharSequence convert(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    for (int i = 0; i < lower.length(); i++) {
      if (lower.charAt(i) >= 0x80) {
        return lower; // AsciiString would keep only each char's low byte
      }
    }
    return new AsciiString(lower);
  }
}
