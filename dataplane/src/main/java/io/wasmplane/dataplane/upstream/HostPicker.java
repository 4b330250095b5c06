package io.wasmplane.dataplane.upstream;

import io.wasmplane.dataplane.config.ClusterConfig;
import java.util.List;

/**
 * Picks a host of one fixed host list (a priority level's usable hosts, or one locality's) for a request: Envoy's
 * weighted round robin and least request. Built with the list on every host-set change, never per request.
 */
interface HostPicker {
  UpstreamHost pick();

  /**
   * The picker for {@code hosts} (at least one) under the cluster's policy: ROUND_ROBIN with unequal weights gets an
   * EDF schedule by weight; LEAST_REQUEST gets the best of choice_count random hosts with equal weights, else an EDF
   * schedule by weight / (active requests + 1)^bias. Null where the cluster balances without one: ROUND_ROBIN with
   * equal weights (the cluster's rotation), RANDOM, and the hashing policies.
   */
  static HostPicker of(ClusterConfig config, List<UpstreamHost> hosts) {
    if (hosts.isEmpty()) {
      return null;
    }
    boolean equal = hosts.stream().allMatch(h -> h.weight() == hosts.get(0).weight());
    return switch (config.lbPolicy()) {
      case ROUND_ROBIN -> equal ? null : EdfPicker.weighted(hosts);
      case LEAST_REQUEST -> equal ? new LeastRequestPicker(hosts, config.leastRequest().choiceCount())
          : EdfPicker.leastRequest(hosts, config.leastRequest().activeRequestBias());
      case RANDOM, RING_HASH, MAGLEV -> null;
    };
  }
}
