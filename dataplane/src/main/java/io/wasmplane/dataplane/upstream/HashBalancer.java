package io.wasmplane.dataplane.upstream;

import io.wasmplane.dataplane.config.ClusterConfig;

/**
 * A consistent-hashing load balancer (Envoy's RING_HASH or MAGLEV): built once per priority level from the hosts a
 * {@link HostSelection} offers there (healthy ones, else degraded ones, or all in panic), weighted by host and, with
 * locality weighting, locality weight, and then read lock-free by every worker.
 */
interface HashBalancer {
  /**
   * The host for a request hash; {@code attempt} > 0 asks for another host (a retry avoiding previous hosts) the way
   * Envoy's balancer does. Never null: balancers are only built over a non-empty host list.
   */
  UpstreamHost choose(long hash, int attempt);

  static HashBalancer build(ClusterConfig config, WeightedHosts hosts) {
    if (hosts.isEmpty()) {
      return null;
    }
    ClusterConfig.HashLbConfig c = config.hashLb();
    return config.lbPolicy() == ClusterConfig.LbPolicy.MAGLEV
        ? MaglevTable.build(hosts, c.maglevTableSize())
        : RingHash.build(hosts, c.minRingSize(), c.maxRingSize(), c.murmurHash2());
  }

  /** What Envoy hashes for a host: its address as Envoy prints it ("1.2.3.4:80", "[::1]:80"). */
  static String hashKey(UpstreamHost h) {
    return h.addressString(); // built once per host with Addresses.hostPort
  }
}
