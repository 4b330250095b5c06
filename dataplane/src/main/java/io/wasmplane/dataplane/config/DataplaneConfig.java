package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.util.List;
import java.util.Optional;

/** The whole validated configuration; immutable, swapped as a unit. The bootstrap proto is kept only for config_dump. */
public record DataplaneConfig(
    NodeInfo node,
    Optional<AdminConfig> admin,
    List<ListenerConfig> listeners,
    List<ClusterConfig> clusters,
    Bootstrap bootstrap,
    WasmExtensionsConfig wasmExtensions,
    java.util.Map<String, SecretSpec> secrets,
    io.wasmplane.dataplane.stats.StatsSettings stats) {

  public DataplaneConfig(NodeInfo node, Optional<AdminConfig> admin, List<ListenerConfig> listeners, List<ClusterConfig> clusters,
      Bootstrap bootstrap, WasmExtensionsConfig wasmExtensions, java.util.Map<String, SecretSpec> secrets) {
    this(node, admin, listeners, clusters, bootstrap, wasmExtensions, secrets, io.wasmplane.dataplane.stats.StatsSettings.DEFAULT);
  }

  public DataplaneConfig(NodeInfo node, Optional<AdminConfig> admin, List<ListenerConfig> listeners, List<ClusterConfig> clusters,
      Bootstrap bootstrap, WasmExtensionsConfig wasmExtensions) {
    this(node, admin, listeners, clusters, bootstrap, wasmExtensions, java.util.Map.of());
  }

  public DataplaneConfig(NodeInfo node, Optional<AdminConfig> admin, List<ListenerConfig> listeners, List<ClusterConfig> clusters,
      Bootstrap bootstrap) {
    this(node, admin, listeners, clusters, bootstrap, WasmExtensionsConfig.NONE);
  }

  public Optional<ClusterConfig> cluster(String name) {
    return clusters.stream().filter(c -> c.name().equals(name)).findFirst();
  }
}
