package io.wasmplane.controlplane.config;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** An immutable, validated rollout file: the Envoy resources as written, the plugins, and the module files read. */
public record CompiledConfig(List<Listener> listeners, List<Cluster> clusters, List<RouteConfiguration> routes,
    List<ClusterLoadAssignment> endpoints, List<CompiledPlugin> plugins, Set<Path> moduleFiles,
    List<io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret> secrets) {

  public CompiledConfig(List<Listener> listeners, List<Cluster> clusters, List<RouteConfiguration> routes,
      List<ClusterLoadAssignment> endpoints, List<CompiledPlugin> plugins, Set<Path> moduleFiles) {
    this(listeners, clusters, routes, endpoints, plugins, moduleFiles, List.of());
  }
}
