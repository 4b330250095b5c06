package io.wasmplane.dataplane.admin;

import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;

/** What xDS adds to /config_dump: dynamic listeners, clusters and route configs (active, warming, errors). */
public interface DynamicConfigDump {
  void addTo(ClustersConfigDump.Builder clusters, ListenersConfigDump.Builder listeners, RoutesConfigDump.Builder routes);

  /** Further sections (e.g. EcdsConfigDump), appended in order. */
  default java.util.List<com.google.protobuf.Message> extraConfigs() {
    return java.util.List.of();
  }
}
