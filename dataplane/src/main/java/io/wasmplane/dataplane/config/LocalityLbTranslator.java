package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
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

  /** Whether the cluster sets common_lb_config.locality_weighted_lb_config (a message without fields). */
  static boolean localityWeighted(Cluster c, String where) {
    if (!c.hasCommonLbConfig() || !c.getCommonLbConfig().hasLocalityWeightedLbConfig()) {
      return false;
    }
    FieldGuard.onlySupported(c.getCommonLbConfig().getLocalityWeightedLbConfig(),
        where + ".common_lb_config.locality_weighted_lb_config", Set.of());
    return true;
  }

  /**
   * Every LocalityLbEndpoints' locality with its weight (0 when unset), in the assignment's order; refuses a set
   * weight of 0 (Envoy's proto validation: at least 1) and priorities whose locality weights add up to more than
   * uint32 max.
   */
  static List<ClusterConfig.Locality> localities(ClusterLoadAssignment la, String where) {
    List<ClusterConfig.Locality> out = new ArrayList<>();
    Map<Integer, Long> sumByPriority = new HashMap<>();
    for (LocalityLbEndpoints lle : la.getEndpointsList()) {
      long weight = 0;
      if (lle.hasLoadBalancingWeight()) {
        weight = Integer.toUnsignedLong(lle.getLoadBalancingWeight().getValue());
        if (weight < 1) {
          throw new ConfigException(where + ".endpoints.load_balancing_weight: must be at least 1 (leave it unset for a locality "
              + "without traffic), locality " + name(lle));
        }
      }
      long sum = sumByPriority.merge(lle.getPriority(), weight, Long::sum);
      if (sum > MAX_WEIGHT_SUM) {
        throw new ConfigException(where + ".endpoints.load_balancing_weight: the locality weights of priority "
            + Integer.toUnsignedString(lle.getPriority()) + " add up to " + sum + ", more than " + MAX_WEIGHT_SUM);
      }
      var l = lle.getLocality();
      FieldGuard.onlySupported(l, where + ".endpoints.locality", Set.of("region", "zone", "sub_zone"));
      out.add(new ClusterConfig.Locality(l.getRegion(), l.getZone(), l.getSubZone(), weight));
    }
    return out;
  }

  private static String name(LocalityLbEndpoints lle) {
    var l = lle.getLocality();
    return "'" + l.getRegion() + "/" + l.getZone() + "/" + l.getSubZone() + "'";
  }
}
