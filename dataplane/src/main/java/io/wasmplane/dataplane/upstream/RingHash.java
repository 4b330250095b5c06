package io.wasmplane.dataplane.upstream;

import java.util.Arrays;
import java.util.List;

/**
 * Envoy's ketama ring: each host gets ring entries in proportion to its weight (the lightest host a whole number, the
 * ring between minimum and maximum size), keyed by the hash of "address_i"; a request takes the first entry whose hash
 * is at or above its own, wrapping around. Removing a host moves only the keys that landed on its entries.
 */
final class RingHash implements HashBalancer {
  private final long[] hashes;
  private final UpstreamHost[] hosts;

  private RingHash(long[] hashes, UpstreamHost[] hosts) {
    this.hashes = hashes;
    this.hosts = hosts;
  }

  static RingHash build(List<UpstreamHost> list, long minRingSize, long maxRingSize, boolean murmur) {
    return build(WeightedHosts.flat(list), minRingSize, maxRingSize, murmur);
  }

  static RingHash build(WeightedHosts weighted, long minRingSize, long maxRingSize, boolean murmur) {
    List<UpstreamHost> list = weighted.hosts();
    double[] weights = weighted.weights();
    double minWeight = Double.MAX_VALUE;
    for (double w : weights) {
      minWeight = Math.min(minWeight, w);
    }
    double scale = Math.min(Math.ceil(minWeight * minRingSize) / minWeight, (double) maxRingSize);
    int size = (int) Math.ceil(scale);
    long[] entryHash = new long[size + list.size()];
    UpstreamHost[] entryHost = new UpstreamHost[entryHash.length];
    int n = 0;
    double current = 0;
    double target = 0;
    for (int k = 0; k < list.size(); k++) {
      UpstreamHost h = list.get(k);
      String prefix = HashBalancer.hashKey(h) + "_";
      target += scale * weights[k];
      for (long i = 0; current < target && n < entryHash.length; i++, current++) {
        String key = prefix + i;
        entryHash[n] = murmur ? MurmurHash2.hash(key) : XxHash64.hash(key);
        entryHost[n++] = h;
      }
    }
    // Sort entries by unsigned hash, as Envoy's uint64 ring.
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> Long.compareUnsigned(entryHash[x], entryHash[y]));
    long[] hashes = new long[n];
    UpstreamHost[] hosts = new UpstreamHost[n];
    for (int i = 0; i < n; i++) {
      hashes[i] = entryHash[order[i]];
      hosts[i] = entryHost[order[i]];
    }
    return new RingHash(hashes, hosts);
  }

  int size() {
    return hashes.length;
  }

  @Override
  public UpstreamHost choose(long hash, int attempt) {
    // First entry with entry hash >= hash (unsigned); past the last entry wraps to the first.
    int lo = 0;
    int hi = hashes.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(hashes[mid], hash) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    int idx = lo == hashes.length ? 0 : lo;
    if (attempt > 0) {
      idx = (int) ((idx + (long) attempt) % hashes.length);
    }
    return hosts[idx];
  }
}
