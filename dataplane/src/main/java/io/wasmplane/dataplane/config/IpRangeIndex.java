package io.wasmplane.dataplane.config;

import io.wasmplane.dataplane.config.FilterChainMatcher.IpRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * IP ranges by prefix length and masked network address: finding the ranges that contain an address costs one hash
 * lookup per distinct prefix length (few: /32, /128, a /0 fallback...) instead of a scan over every range.
 */
final class IpRangeIndex {
  private final int[] lengths;
  private final Map<String, List<IpRange>> byKey = new HashMap<>();

  /** {@code ranges} in the order they are tried among equal lengths. */
  IpRangeIndex(List<IpRange> ranges) {
    TreeSet<Integer> distinct = new TreeSet<>();
    for (IpRange r : ranges) {
      distinct.add(r.prefix().length());
      byKey.computeIfAbsent(key(r.prefix().network().getAddress(), r.prefix().length()), k -> new ArrayList<>()).add(r);
    }
    lengths = distinct.descendingSet().stream().mapToInt(Integer::intValue).toArray();
  }

  /** The distinct prefix lengths, longest first. */
  int[] lengths() {
    return lengths;
  }

  /** The ranges of this prefix length that contain {@code address}, or null. */
  List<IpRange> find(byte[] address, int length) {
    return length > address.length * 8 ? null : byKey.get(key(address, length));
  }

  /** The address family (by byte count), the length and the address with its host bits cleared. */
  private static String key(byte[] address, int length) {
    char[] k = new char[address.length + 1];
    k[0] = (char) length;
    for (int i = 0; i < address.length; i++) {
      int bits = Math.min(8, Math.max(0, length - i * 8));
      k[i + 1] = (char) (address[i] & (0xff00 >>> bits) & 0xff);
    }
    return new String(k);
  }
}
