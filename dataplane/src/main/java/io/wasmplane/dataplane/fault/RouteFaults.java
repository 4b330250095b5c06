package io.wasmplane.dataplane.fault;

import io.wasmplane.dataplane.config.FaultConfig;
import io.wasmplane.dataplane.config.RouteEntry;
import io.wasmplane.dataplane.config.RouteTable;
import io.wasmplane.dataplane.config.VirtualHostConfig;

/**
 * Whether a route table gives the fault filter any per-route config, worked out once per table (each RDS update) so
 * that a stream whose filter cannot be configured per route skips matching the route a second time (Istio puts an
 * empty fault filter in every connection manager).
 */
final class RouteFaults {
  private record Known(RouteTable table, boolean any) {}

  private final String filterName;
  private volatile Known last;

  RouteFaults(String filterName) {
    this.filterName = filterName;
  }

  boolean any(RouteTable table) {
    Known k = last;
    if (k == null || k.table() != table) {
      k = new Known(table, scan(table));
      last = k;
    }
    return k.any();
  }

  private boolean scan(RouteTable table) {
    for (VirtualHostConfig vh : table.virtualHosts()) {
      for (RouteEntry r : vh.routes()) {
        if (r.perFilterConfigs().get(filterName, FaultConfig.class).isPresent()) {
          return true;
        }
      }
    }
    return false;
  }
}
