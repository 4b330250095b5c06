package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.Set;

/**
 * A load assignment's {@code policy}: its overprovisioning_factor (how priorities and localities share the load) and
 * drop_overloads (a share of requests answered 503 before a host is picked).
 */
final class LoadAssignmentPolicy {
  private static final Set<String> SUPPORTED = Set.of("overprovisioning_factor", "drop_overloads");

  private LoadAssignmentPolicy() {}

  /**
   * policy.overprovisioning_factor in percent (Envoy's default 140 when unset); other policy fields than it and
   * drop_overloads (endpoint_stale_after, weighted_priority_health) are refused.
   */
  static int overprovisioningFactor(ClusterLoadAssignment la, String where) {
    if (!la.hasPolicy()) {
      return ClusterConfig.DEFAULT_OVERPROVISIONING_FACTOR;
    }
    ClusterLoadAssignment.Policy p = la.getPolicy();
    FieldGuard.onlySupported(p, where + ".policy", SUPPORTED);
    if (!p.hasOverprovisioningFactor()) {
      return ClusterConfig.DEFAULT_OVERPROVISIONING_FACTOR;
    }
    int f = p.getOverprovisioningFactor().getValue();
    if (f <= 0) {
      throw new ConfigException(where + ".policy.overprovisioning_factor: must be greater than 0, got " + Integer.toUnsignedString(f));
    }
    return f;
  }

  /**
   * policy.drop_overloads: at most one category (Envoy refuses more), with a non-empty name (PGV) and its
   * drop_percentage; a numerator above the denominator drops everything, as Envoy's clamp to 1 does.
   */
  static ClusterConfig.DropOverload dropOverload(ClusterLoadAssignment la, String where) {
    if (!la.hasPolicy() || la.getPolicy().getDropOverloadsCount() == 0) {
      return ClusterConfig.DropOverload.NONE;
    }
    String w = where + ".policy.drop_overloads";
    if (la.getPolicy().getDropOverloadsCount() > 1) {
      throw new ConfigException(w + ": " + la.getPolicy().getDropOverloadsCount() + " categories, only one is supported (as Envoy)");
    }
    ClusterLoadAssignment.Policy.DropOverload d = la.getPolicy().getDropOverloads(0);
    FieldGuard.onlySupported(d, w + "[0]", Set.of("category", "drop_percentage"));
    if (d.getCategory().isEmpty()) {
      throw new ConfigException(w + "[0].category: must not be empty");
    }
    return new ClusterConfig.DropOverload(d.getCategory(), FaultConfigTranslator.percent(d.getDropPercentage(), w + "[0].drop_percentage"));
  }
}
