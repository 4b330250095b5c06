package io.wasmplane.wasm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The proxy-wasm pairs codec (spec "Serialization"), used for header maps, metadata and map-valued properties.
 *
 * <p>Layout, little-endian: {@code u32 count}, then {@code count} times {@code (u32 key_len, u32 value_len)}, then
 * each key's and value's bytes, each followed by a NUL byte. An empty map may also arrive as an empty buffer or a
 * single 0x00 byte.
 *
 * <p>{@link #decode} reads plugin-controlled bytes, so it checks every length and enforces cpp-host's limits
 * ({@link #MAX_BYTES}, {@link #MAX_PAIRS}); malformed input raises {@link IllegalArgumentException}, which the
 * host maps to a status. {@link #encode} writes host data and has no limits. Keys and values are UTF-8.
 */
public final class HeaderPairs {
  /** cpp-host {@code PROXY_WASM_HOST_PAIRS_MAX_BYTES}. */
  public static final int MAX_BYTES = 1024 * 1024;
  /** cpp-host {@code PROXY_WASM_HOST_PAIRS_MAX_COUNT}. */
  public static final int MAX_PAIRS = 1024;

  private HeaderPairs() {}

  public static byte[] encode(List<Map.Entry<String, String>> pairs) {
    int n = pairs.size();
    byte[][] parts = new byte[n * 2][];
    long size = 4L + 8L * n;
    for (int i = 0; i < n; i++) {
      Map.Entry<String, String> e = pairs.get(i);
      parts[2 * i] = e.getKey().getBytes(StandardCharsets.UTF_8);
      parts[2 * i + 1] = e.getValue().getBytes(StandardCharsets.UTF_8);
      size += parts[2 * i].length + parts[2 * i + 1].length + 2L;
    }
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("pairs too large to encode: " + size + " bytes");
    }
    byte[] out = new byte[(int) size];
    putInt(out, 0, n);
    int pos = 4;
    for (byte[] part : parts) {
      putInt(out, pos, part.length);
      pos += 4;
    }
    for (byte[] part : parts) {
      System.arraycopy(part, 0, out, pos, part.length);
      pos += part.length + 1; // the NUL is already 0
    }
    return out;
  }

  public static List<Map.Entry<String, String>> decode(byte[] data) {
    return decode(data, 0, data.length);
  }

  /** Decodes {@code length} bytes of {@code data} from {@code offset}. */
  public static List<Map.Entry<String, String>> decode(byte[] data, int offset, int length) {
    if (offset < 0 || length < 0 || offset > data.length - length) {
      throw new IllegalArgumentException("pairs: range " + offset + "+" + length + " outside " + data.length);
    }
    if (length == 0 || (length == 1 && data[offset] == 0)) {
      return List.of();
    }
    if (length > MAX_BYTES) {
      throw new IllegalArgumentException("pairs: " + length + " bytes exceed the limit of " + MAX_BYTES);
    }
    if (length < 4) {
      throw new IllegalArgumentException("pairs: " + length + " bytes is too short for the count");
    }
    long count = getUnsignedInt(data, offset);
    if (count > MAX_PAIRS) {
      throw new IllegalArgumentException("pairs: count " + count + " exceeds the limit of " + MAX_PAIRS);
    }
    int n = (int) count;
    long pos = 4L + 8L * n;
    if (pos > length) {
      throw new IllegalArgumentException("pairs: " + n + " pairs need " + pos + " header bytes, have " + length);
    }
    List<Map.Entry<String, String>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long keyLen = getUnsignedInt(data, offset + 4 + 8 * i);
      long valueLen = getUnsignedInt(data, offset + 8 + 8 * i);
      if (pos + keyLen + 1 + valueLen + 1 > length) {
        throw new IllegalArgumentException("pairs: pair " + i + " (key " + keyLen + " bytes, value " + valueLen
            + " bytes) runs past the end of the " + length + "-byte buffer");
      }
      String key = new String(data, offset + (int) pos, (int) keyLen, StandardCharsets.UTF_8);
      pos += keyLen + 1;
      String value = new String(data, offset + (int) pos, (int) valueLen, StandardCharsets.UTF_8);
      pos += valueLen + 1;
      out.add(Map.entry(key, value));
    }
    return out;
  }

  static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }

  private static long getUnsignedInt(byte[] b, int at) {
    return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
  }
}
