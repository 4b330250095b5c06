package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Locality weighted load balancing: a cluster's {@code common_lb_config.locality_weighted_lb_config} and each
 * LocalityLbEndpoints' locality and {@code load_balancing_weight}, validated as Envoy does.
 */
final class LocalityLbTranslator {
  /** Envoy: the weights of all localities of one priority must add up to at most uint32 max. */
  private static final long MAX_WEIGHT_SUM = 0xFFFF_FFFFL;

  private LocalityLbTranslator() {}

  /**
   * Whether the cluster sets common_lb_config.locality_weighted_lb_config (a message without fields), or its
   * load_balancing_policy extension's locality_lb_config does.
   */
  static boolean localityWeighted(Cluster c, String where) {
    if (!c.hasCommonLbConfig() || !c.getCommonLbConfig().hasLocalityWeightedLbConfig()) {
      return LbPolicyTranslator.extensionLocalityWeighted(c, where);
    }
    FieldGuard.onlySupported(c.getCommonLbConfig().getLocalityWeightedLbConfig(),
        where + ".common_lb_config.locality_weighted_lb_config", Set.of());
    return true;
  }

  /**
   * Every LocalityLbEndpoints' locality with its weight (0 when unset), in the assignment's order. Envoy merges the
   * LocalityLbEndpoints of one priority that name the same locality into one group whose weight is the last one set
   * among them, so each entry carries that merged weight. Refuses a set weight of 0 (Envoy's proto validation: at least
   * 1) and priorities whose locality weights add up to more than uint32 max.
   */
  static List<ClusterConfig.Locality> localities(ClusterLoadAssignment la, String where) {
    record Key(int priority, String region, String zone, String subZone) {}
    Map<Key, Long> merged = new LinkedHashMap<>();
    List<Key> keys = new ArrayList<>();
    for (LocalityLbEndpoints lle : la.getEndpointsList()) {
      var l = lle.getLocality();
      FieldGuard.onlySupported(l, where + ".endpoints.locality", Set.of("region", "zone", "sub_zone"));
      Key key = new Key(lle.getPriority(), l.getRegion(), l.getZone(), l.getSubZone());
      keys.add(key);
      merged.putIfAbsent(key, 0L);
      if (lle.hasLoadBalancingWeight()) {
        long weight = Integer.toUnsignedLong(lle.getLoadBalancingWeight().getValue());
        if (weight < 1) {
          throw new ConfigException(where + ".endpoints.load_balancing_weight: must be at least 1 (leave it unset for a locality "
              + "without traffic), locality " + name(lle));
        }
        merged.put(key, weight);
      }
    }
    Map<Integer, Long> sumByPriority = new HashMap<>();
    merged.forEach((key, weight) -> {
      long sum = sumByPriority.merge(key.priority(), weight, Long::sum);
      if (sum > MAX_WEIGHT_SUM) {
        throw new ConfigException(where + ".endpoints.load_balancing_weight: the locality weights of priority "
            + Integer.toUnsignedString(key.priority()) + " add up to " + sum + ", more than " + MAX_WEIGHT_SUM);
      }
    });
    List<ClusterConfig.Locality> out = new ArrayList<>(keys.size());
    for (Key k : keys) {
      out.add(new ClusterConfig.Locality(k.region(), k.zone(), k.subZone(), merged.get(k)));
    }
    return out;
  }

  private static String name(LocalityLbEndpoints lle) {
    var l = lle.getLocality();
    return "'" + l.getRegion() + "/" + l.getZone() + "/" + l.getSubZone() + "'";
  }
}
