package io.wasmplane.dataplane.upstream;

import io.wasmplane.dataplane.config.ClusterConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One priority level's hosts grouped by locality (in the order the load assignment lists them), and what Envoy's
 * locality weighted load balancing derives from them: a locality's effective weight is its load_balancing_weight x
 * min(1, overprovisioning factor x usable hosts / its non-excluded hosts); consistent-hash balancers weigh each host by
 * its share of its locality times the locality's share of all locality weights.
 */
final class Localities {
  private final List<ClusterConfig.Locality> localities;
  private final List<List<UpstreamHost>> hosts;
  private final long weightSum;

  private Localities(List<ClusterConfig.Locality> localities, List<List<UpstreamHost>> hosts) {
    this.localities = localities;
    this.hosts = hosts;
    this.weightSum = localities.stream().mapToLong(ClusterConfig.Locality::weight).sum();
  }

  static Localities of(List<UpstreamHost> levelHosts) {
    Map<ClusterConfig.Locality, List<UpstreamHost>> by = new LinkedHashMap<>();
    for (UpstreamHost h : levelHosts) {
      by.computeIfAbsent(h.locality(), l -> new ArrayList<>()).add(h);
    }
    return new Localities(List.copyOf(by.keySet()), List.copyOf(by.values()));
  }

  /**
   * The picker over the localities' {@code usable} hosts (the level's healthy, or degraded, ones); with
   * {@code excludePending}, hosts not checked yet count in no total (ignore_new_hosts_until_first_hc). Null when no
   * locality has an effective weight: Envoy then balances over all the level's usable hosts, as without locality
   * weighting. {@code picking} builds each locality's {@link HostPicker}.
   */
  LocalityPicker picker(List<UpstreamHost> usable, boolean excludePending, int overprovisioningFactor,
      java.util.function.Function<List<UpstreamHost>, HostPicker> picking) {
    Set<UpstreamHost> usableSet = identitySet(usable);
    List<List<UpstreamHost>> picked = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    for (int i = 0; i < localities.size(); i++) {
      List<UpstreamHost> in = new ArrayList<>();
      int counted = 0;
      for (UpstreamHost h : hosts.get(i)) {
        if (!(excludePending && h.health().has(HostHealth.PENDING_ACTIVE_HC))) {
          counted++;
        }
        if (usableSet.contains(h)) {
          in.add(h);
        }
      }
      double effective = counted == 0 ? 0
          : localities.get(i).weight() * Math.min(1.0, overprovisioningFactor / 100.0 * in.size() / counted);
      if (effective > 0) {
        picked.add(List.copyOf(in));
        weights.add(effective);
      }
    }
    return picked.isEmpty() ? null
        : new LocalityPicker(picked, weights.stream().mapToDouble(Double::doubleValue).toArray(), picking);
  }

  /**
   * What a consistent-hash balancer is built from: each locality's {@code usable} hosts weighted by host weight / the
   * locality's host weight sum x locality weight / all locality weights; localities of weight 0 are left out. Without
   * any locality weight, the hosts weighted by host weight alone (Envoy would have no host at all).
   */
  WeightedHosts hashWeights(List<UpstreamHost> usable) {
    if (weightSum == 0) {
      return WeightedHosts.flat(usable);
    }
    Set<UpstreamHost> usableSet = identitySet(usable);
    List<UpstreamHost> out = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    for (int i = 0; i < localities.size(); i++) {
      long w = localities.get(i).weight();
      List<UpstreamHost> in = hosts.get(i).stream().filter(usableSet::contains).toList();
      double hostSum = in.stream().mapToDouble(UpstreamHost::weight).sum();
      if (w == 0 || in.isEmpty()) {
        continue;
      }
      for (UpstreamHost h : in) {
        out.add(h);
        weights.add(h.weight() / hostSum * w / weightSum);
      }
    }
    return new WeightedHosts(out, weights.stream().mapToDouble(Double::doubleValue).toArray());
  }

  private static Set<UpstreamHost> identitySet(List<UpstreamHost> hosts) {
    Set<UpstreamHost> s = Collections.newSetFromMap(new IdentityHashMap<>());
    s.addAll(hosts);
    return s;
  }
}
