package io.wasmplane.dataplane.upstream;

import java.util.ArrayList;
import java.util.List;

/**
 * The hosts the load balancer picks from, rebuilt whenever membership or a host's health changes and read lock-free by
 * every worker: the healthy hosts, or every host when the cluster is in panic (Envoy's healthy_panic_threshold).
 */
record HostSelection(List<UpstreamHost> candidates, boolean panic, int healthy, int total) {
  static final HostSelection EMPTY = new HostSelection(List.of(), false, 0, 0);

  static HostSelection of(List<UpstreamHost> all, int panicThresholdPercent) {
    if (all.isEmpty()) {
      return EMPTY;
    }
    List<UpstreamHost> healthy = new ArrayList<>(all.size());
    for (UpstreamHost h : all) {
      if (h.health().healthy()) {
        healthy.add(h);
      }
    }
    int n = all.size();
    if (healthy.size() == n) {
      return new HostSelection(all, false, n, n);
    }
    // Envoy (one priority): availability is healthy/total times the overprovisioning factor 1.4, capped at 100 %; at
    // 100 % there is no panic, below it the cluster panics when its healthy percentage is under the threshold.
    long availability = Math.min(100, 140L * healthy.size() / n);
    boolean panic = panicThresholdPercent > 0 && availability < 100 && 100.0 * healthy.size() / n < panicThresholdPercent;
    return new HostSelection(panic ? all : List.copyOf(healthy), panic, healthy.size(), n);
  }
}
