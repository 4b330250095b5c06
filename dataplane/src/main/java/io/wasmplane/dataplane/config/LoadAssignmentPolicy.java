package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.Set;

/** A load assignment's {@code policy}: only its overprovisioning_factor changes how this data plane balances. */
final class LoadAssignmentPolicy {
  private LoadAssignmentPolicy() {}

  /**
   * policy.overprovisioning_factor in percent (Envoy's default 140 when unset); other policy fields (drop_overloads,
   * endpoint_stale_after, weighted_priority_health) are refused.
   */
  static int overprovisioningFactor(ClusterLoadAssignment la, String where) {
    if (!la.hasPolicy()) {
      return ClusterConfig.DEFAULT_OVERPROVISIONING_FACTOR;
    }
    ClusterLoadAssignment.Policy p = la.getPolicy();
    FieldGuard.onlySupported(p, where + ".policy", Set.of("overprovisioning_factor"));
    if (!p.hasOverprovisioningFactor()) {
      return ClusterConfig.DEFAULT_OVERPROVISIONING_FACTOR;
    }
    int f = p.getOverprovisioningFactor().getValue();
    if (f <= 0) {
      throw new ConfigException(where + ".policy.overprovisioning_factor: must be greater than 0, got " + Integer.toUnsignedString(f));
    }
    return f;
  }
}
