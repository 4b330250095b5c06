package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.Set;

/** A cluster's {@code lb_policy} with {@code ring_hash_lb_config} / {@code maglev_lb_config}, validated as Envoy does. */
final class LbPolicyTranslator {
  /** Envoy's bound (PGV) on both ring sizes. */
  static final long MAX_RING_SIZE = 8L * 1024 * 1024;
  /** Envoy's bound (PGV) on the Maglev table size. */
  static final long MAX_TABLE_SIZE = 5_000_011;

  private LbPolicyTranslator() {}

  static ClusterConfig.LbPolicy policy(Cluster c, String where) {
    return switch (c.getLbPolicy()) {
      case ROUND_ROBIN -> ClusterConfig.LbPolicy.ROUND_ROBIN;
      case LEAST_REQUEST -> ClusterConfig.LbPolicy.LEAST_REQUEST;
      case RANDOM -> ClusterConfig.LbPolicy.RANDOM;
      case RING_HASH -> ClusterConfig.LbPolicy.RING_HASH;
      case MAGLEV -> ClusterConfig.LbPolicy.MAGLEV;
      default -> throw new ConfigException(where + ".lb_policy: " + c.getLbPolicy()
          + " is not supported (ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV)");
    };
  }

  /** The hashing balancers' settings; Envoy ignores the config of a policy the cluster does not use, so do we. */
  static ClusterConfig.HashLbConfig hashLb(Cluster c, String where) {
    ClusterConfig.HashLbConfig d = ClusterConfig.HashLbConfig.DEFAULT;
    long min = d.minRingSize();
    long max = d.maxRingSize();
    boolean murmur = false;
    long table = d.maglevTableSize();
    if (c.hasRingHashLbConfig()) {
      String w = where + ".ring_hash_lb_config";
      var r = c.getRingHashLbConfig();
      FieldGuard.onlySupported(r, w, Set.of("minimum_ring_size", "maximum_ring_size", "hash_function"));
      min = r.hasMinimumRingSize() ? r.getMinimumRingSize().getValue() : min;
      max = r.hasMaximumRingSize() ? r.getMaximumRingSize().getValue() : max;
      if (Long.compareUnsigned(min, MAX_RING_SIZE) > 0 || min < 1) {
        throw new ConfigException(w + ".minimum_ring_size: " + Long.toUnsignedString(min) + " is not in 1.." + MAX_RING_SIZE);
      }
      if (Long.compareUnsigned(max, MAX_RING_SIZE) > 0 || max < 1) {
        throw new ConfigException(w + ".maximum_ring_size: " + Long.toUnsignedString(max) + " is not in 1.." + MAX_RING_SIZE);
      }
      if (min > max) {
        throw new ConfigException(w + ": minimum_ring_size (" + min + ") > maximum_ring_size (" + max + ")");
      }
      murmur = switch (r.getHashFunction()) {
        case XX_HASH -> false;
        case MURMUR_HASH_2 -> true;
        default -> throw new ConfigException(w + ".hash_function: unknown value " + r.getHashFunctionValue());
      };
    }
    if (c.hasMaglevLbConfig()) {
      String w = where + ".maglev_lb_config";
      var m = c.getMaglevLbConfig();
      FieldGuard.onlySupported(m, w, Set.of("table_size"));
      if (m.hasTableSize()) {
        table = m.getTableSize().getValue();
        if (table < 2 || table > MAX_TABLE_SIZE || !java.math.BigInteger.valueOf(table).isProbablePrime(30)) {
          throw new ConfigException(w + ".table_size: " + Long.toUnsignedString(table) + " must be a prime number up to "
              + MAX_TABLE_SIZE);
        }
      }
    }
    return new ClusterConfig.HashLbConfig(min, max, murmur, table);
  }
}
