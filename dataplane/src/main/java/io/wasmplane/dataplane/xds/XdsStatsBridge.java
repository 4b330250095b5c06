package io.wasmplane.dataplane.xds;

import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.xds.XdsStats;

/**
 * The xds-client's stats under Envoy's owners: {@code lds.*} -> {@code listener_manager.lds.*}, {@code cds.*} ->
 * {@code cluster_manager.cds.*}, {@code control_plane.*} as is. RDS (per route config and HCM) and ECDS (per filter)
 * stats are kept by their subscribers, which know the names; the client's aggregate ones go under
 * {@code xds.<type>.*}.
 */
final class XdsStatsBridge implements XdsStats {
  private final StatsRegistry stats;

  XdsStatsBridge(StatsRegistry stats) {
    this.stats = stats;
    stats.gauge("control_plane.connected_state").set(0);
  }

  static String envoyName(String name) {
    if (name.startsWith("lds.")) {
      return "listener_manager." + name;
    }
    if (name.startsWith("cds.")) {
      return "cluster_manager." + name;
    }
    if (name.startsWith("control_plane.")) {
      return name;
    }
    return "xds." + name;
  }

  @Override
  public void increment(String name) {
    stats.counter(envoyName(name)).inc();
  }

  @Override
  public void setGauge(String name, long value) {
    stats.gauge(envoyName(name)).set(value);
  }
}
