package io.wasmplane.wasm;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Envoy's binary encoding of property values ({@code serializeValue} in Envoy's wasm context.cc): strings and bytes
 * raw, integers and doubles 8 bytes little-endian, booleans 1 byte, durations and timestamps as int64 nanoseconds,
 * maps and lists as proxy-wasm pairs. SDKs decode property values by these rules, so plain strings would be wrong.
 */
public final class PropertyEncoding {
  private PropertyEncoding() {}

  public static byte[] string(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] int64(long value) {
    byte[] out = new byte[8];
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (value >>> (8 * i));
    }
    return out;
  }

  /** An unsigned 64-bit value held in a long (same bits as {@link #int64}). */
  public static byte[] uint64(long value) {
    return int64(value);
  }

  public static byte[] float64(double value) {
    return int64(Double.doubleToRawLongBits(value));
  }

  public static byte[] bool(boolean value) {
    return new byte[] {(byte) (value ? 1 : 0)};
  }

  /** A duration as int64 nanoseconds (saturating at the int64 range). */
  public static byte[] duration(Duration value) {
    return int64(saturatedNanos(value.getSeconds(), value.getNano()));
  }

  /** A point in time as int64 nanoseconds since the epoch (saturating). */
  public static byte[] timestamp(Instant value) {
    return int64(saturatedNanos(value.getEpochSecond(), value.getNano()));
  }

  public static byte[] pairs(List<Map.Entry<String, String>> pairs) {
    return HeaderPairs.encode(pairs);
  }

  /** Reads an 8-byte little-endian value, as written by {@link #int64}; throws on any other length. */
  public static long readInt64(byte[] value) {
    if (value.length != 8) {
      throw new IllegalArgumentException("int64 property needs 8 bytes, got " + value.length);
    }
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (value[i] & 0xFF);
    }
    return v;
  }

  public static double readFloat64(byte[] value) {
    return Double.longBitsToDouble(readInt64(value));
  }

  public static boolean readBool(byte[] value) {
    if (value.length != 1) {
      throw new IllegalArgumentException("bool property needs 1 byte, got " + value.length);
    }
    return value[0] != 0;
  }

  private static long saturatedNanos(long seconds, int nanos) {
    try {
      return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
    } catch (ArithmeticException overflow) {
      return seconds < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
