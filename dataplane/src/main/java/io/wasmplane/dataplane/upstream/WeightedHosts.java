package io.wasmplane.dataplane.upstream;

import java.util.List;

/**
 * Hosts with their normalized weights, what a consistent-hash balancer is built from: each host's load_balancing_weight
 * over the sum (adding up to 1), or with locality weighting also scaled by its locality's share (Envoy's normalized
 * host weights; they may add up to less than 1 when a weighted locality has no usable host).
 */
record WeightedHosts(List<UpstreamHost> hosts, double[] weights) {

  /** Weights by load_balancing_weight alone. */
  static WeightedHosts flat(List<UpstreamHost> hosts) {
    double total = 0;
    for (UpstreamHost h : hosts) {
      total += h.weight();
    }
    double[] w = new double[hosts.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = hosts.get(i).weight() / total;
    }
    return new WeightedHosts(hosts, w);
  }

  boolean isEmpty() {
    return hosts.isEmpty();
  }
}
