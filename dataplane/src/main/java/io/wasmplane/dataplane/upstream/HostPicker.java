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
   * equal weights (the cluster's rotation), RANDOM, and the hashing policies. While any of the hosts is in its slow
   * start window, both policies get an EDF schedule whose weights the slow start scales at each pick, also with equal
   * weights (as Envoy); the cluster rebuilds the picker when the last window ends.
   */
  static HostPicker of(ClusterConfig config, List<UpstreamHost> hosts) {
    if (hosts.isEmpty()) {
      return null;
    }
    SlowStart slowStart = SlowStart.of(config);
    if (slowStart != null && hosts.size() > 1 && slowStart.windowEnd(hosts, System.nanoTime()) != UpstreamHost.NEVER) {
      if (config.lbPolicy() == ClusterConfig.LbPolicy.ROUND_ROBIN) {
        return EdfPicker.slowStarting(hosts, 0, slowStart);
      }
      if (config.lbPolicy() == ClusterConfig.LbPolicy.LEAST_REQUEST) {
        return EdfPicker.slowStarting(hosts, config.leastRequest().activeRequestBias(), slowStart);
      }
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
