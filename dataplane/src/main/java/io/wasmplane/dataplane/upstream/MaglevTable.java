package io.wasmplane.dataplane.upstream;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Envoy's Maglev lookup table (weighted variant of the Maglev paper's listing 1): hosts sorted by address take turns,
 * in proportion to their weight, claiming the next free slot of their own permutation (offset = xxHash64(address) % M,
 * skip = xxHash64(address, seed 1) % (M - 1) + 1) until all M slots are filled; a request takes slot hash % M.
 */
final class MaglevTable implements HashBalancer {
  private final UpstreamHost[] table;

  private MaglevTable(UpstreamHost[] table) {
    this.table = table;
  }

  private static final class Entry {
    final UpstreamHost host;
    final long offset;
    final long skip;
    final double weight;
    double targetWeight;
    long next;

    Entry(UpstreamHost host, String key, long size, double weight) {
      this.host = host;
      this.offset = Long.remainderUnsigned(XxHash64.hash(key), size);
      this.skip = Long.remainderUnsigned(XxHash64.hash(key, 1), size - 1) + 1;
      this.weight = weight;
    }
  }

  static MaglevTable build(List<UpstreamHost> hosts, long tableSize) {
    return build(WeightedHosts.flat(hosts), tableSize);
  }

  static MaglevTable build(WeightedHosts weighted, long tableSize) {
    int size = (int) tableSize;
    double maxWeight = 0;
    List<Entry> entries = new ArrayList<>(weighted.hosts().size());
    for (int i = 0; i < weighted.hosts().size(); i++) {
      UpstreamHost h = weighted.hosts().get(i);
      double w = weighted.weights()[i];
      maxWeight = Math.max(maxWeight, w);
      entries.add(new Entry(h, HashBalancer.hashKey(h), size, w));
    }
    // A stable order (Envoy sorts by the hashed key): the table must not depend on the order hosts arrived in.
    entries.sort(Comparator.comparing(e -> HashBalancer.hashKey(e.host)));
    UpstreamHost[] table = new UpstreamHost[size];
    int filled = 0;
    for (long iteration = 1; filled < size; iteration++) {
      for (int i = 0; i < entries.size() && filled < size; i++) {
        Entry e = entries.get(i);
        // A host of the largest weight claims a slot every iteration, one of a third of it every third iteration.
        if (iteration * e.weight < e.targetWeight) {
          continue;
        }
        e.targetWeight += maxWeight;
        int c = slot(e, size);
        while (table[c] != null) {
          e.next++;
          c = slot(e, size);
        }
        table[c] = e.host;
        e.next++;
        filled++;
      }
    }
    return new MaglevTable(table);
  }

  private static int slot(Entry e, int size) {
    // skip and next stay below the table size (at most 5000011), so the product cannot overflow.
    return (int) ((e.offset + e.skip * e.next) % size);
  }

  @Override
  public UpstreamHost choose(long hash, int attempt) {
    if (attempt > 0) {
      // Envoy: flip most bits for a retry, so retries spread rather than land on one neighbour.
      hash ^= -attempt; // ~0 - attempt + 1
    }
    return table[(int) Long.remainderUnsigned(hash, table.length)];
  }
}
