package io.wasmplane.dataplane.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The hosts the load balancer picks from, rebuilt whenever membership or a host's health changes and read lock-free by
 * every worker: Envoy's one-priority load split between healthy and degraded hosts, or every host when the cluster is
 * in panic (healthy_panic_threshold). Excluded hosts (new ones not yet checked, with ignore_new_hosts_until_first_hc)
 * do not count in the totals these are computed from.
 */
record HostSelection(List<UpstreamHost> all, List<UpstreamHost> healthy, List<UpstreamHost> degraded, boolean panic,
    int healthyLoadPercent, int excluded) {
  static final HostSelection EMPTY = new HostSelection(List.of(), List.of(), List.of(), false, 100, 0);
  private static final int OVERPROVISIONING = 140; // Envoy's default overprovisioning factor, in percent

  static HostSelection of(List<UpstreamHost> all, int panicThresholdPercent, boolean excludePending) {
    if (all.isEmpty()) {
      return EMPTY;
    }
    List<UpstreamHost> healthy = new ArrayList<>(all.size());
    List<UpstreamHost> degraded = new ArrayList<>();
    int excluded = 0;
    for (UpstreamHost h : all) {
      if (excludePending && h.health().has(HostHealth.PENDING_ACTIVE_HC)) {
        excluded++;
      } else if (h.health().degraded()) {
        degraded.add(h);
      } else if (h.health().healthy()) {
        healthy.add(h);
      }
    }
    if (healthy.size() == all.size()) {
      return new HostSelection(all, all, List.of(), false, 100, 0);
    }
    int n = all.size() - excluded;
    // Envoy: each kind's availability is its share of the (non-excluded) hosts times the overprovisioning factor,
    // capped at 100 %; healthy hosts take theirs first, degraded ones what is left, and the sum is normalized to 100 %.
    int healthyLoad = n == 0 ? 0 : (int) Math.min(100, (long) OVERPROVISIONING * healthy.size() / n);
    int degradedLoad = n == 0 ? 0 : (int) Math.min(100 - healthyLoad, (long) OVERPROVISIONING * degraded.size() / n);
    int available = healthyLoad + degradedLoad;
    double usablePercent = n == 0 ? 0 : 100.0 * (healthy.size() + degraded.size()) / n;
    boolean panic = panicThresholdPercent > 0 && available < 100 && usablePercent < panicThresholdPercent;
    int healthyShare = available == 0 ? 100 : (int) Math.round(100.0 * healthyLoad / available);
    return new HostSelection(all, List.copyOf(healthy), List.copyOf(degraded), panic, healthyShare, excluded);
  }

  /**
   * The hosts a consistent-hash ring is built from, once per host-set change: every host in panic, else the healthy
   * ones, else the degraded ones (one ring, not Envoy's per-health load split).
   */
  List<UpstreamHost> hashCandidates() {
    return panic ? all : !healthy.isEmpty() ? healthy : degraded;
  }

  /** The hosts to balance one request over: every host in panic, else healthy or degraded ones by their load share. */
  List<UpstreamHost> candidates() {
    if (panic) {
      return all;
    }
    if (degraded.isEmpty() || healthyLoadPercent >= 100) {
      return healthy;
    }
    if (healthy.isEmpty() || healthyLoadPercent <= 0) {
      return degraded;
    }
    return ThreadLocalRandom.current().nextInt(100) < healthyLoadPercent ? healthy : degraded;
  }

  int total() {
    return all.size();
  }
}
