package io.wasmplane.dataplane.admin;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.upstream.HostHealth;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamHost;
import java.util.Collection;
import java.util.Set;

/**
 * /config_dump?include_eds: Envoy's {@code EndpointsConfigDump}, each cluster's hosts as they are now (static for the
 * bootstrap's clusters, dynamic for CDS ones), with their weight and health, grouped by priority and locality (with
 * the locality's weight).
 */
final class EndpointsDump {
  private EndpointsDump() {}

  static EndpointsConfigDump build(Collection<UpstreamCluster> clusters, Set<String> staticNames) {
    EndpointsConfigDump.Builder out = EndpointsConfigDump.newBuilder();
    for (UpstreamCluster c : clusters) {
      // One LocalityLbEndpoints per priority and locality, in the order their hosts came.
      java.util.Map<java.util.List<Object>, LocalityLbEndpoints.Builder> localities = new java.util.LinkedHashMap<>();
      for (UpstreamHost h : c.hosts()) {
        localities.computeIfAbsent(java.util.List.of(h.priority(), h.locality()), k -> locality(h.priority(), h.locality()))
            .addLbEndpoints(LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(ClustersStatus.address(h.address())).setHostname(h.hostname()))
                .setHealthStatus(health(h.health()))
                .setLoadBalancingWeight(UInt32Value.of(h.weight())));
      }
      ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(c.config().name());
      if (localities.isEmpty()) {
        cla.addEndpoints(LocalityLbEndpoints.newBuilder());
      }
      localities.values().forEach(cla::addEndpoints);
      if (staticNames.contains(c.config().name())) {
        out.addStaticEndpointConfigs(EndpointsConfigDump.StaticEndpointConfig.newBuilder().setEndpointConfig(
            com.google.protobuf.Any.pack(cla.build())));
      } else {
        out.addDynamicEndpointConfigs(EndpointsConfigDump.DynamicEndpointConfig.newBuilder().setEndpointConfig(
            com.google.protobuf.Any.pack(cla.build())));
      }
    }
    return out.build();
  }

  private static LocalityLbEndpoints.Builder locality(int priority, ClusterConfig.Locality l) {
    LocalityLbEndpoints.Builder b = LocalityLbEndpoints.newBuilder().setPriority(priority);
    if (!l.equals(ClusterConfig.Locality.NONE)) {
      b.setLocality(ClustersStatus.locality(l));
    }
    if (l.weight() > 0) {
      b.setLoadBalancingWeight(UInt32Value.of((int) l.weight()));
    }
    return b;
  }

  private static HealthStatus health(HostHealth h) {
    if (!h.healthy()) {
      return HealthStatus.UNHEALTHY;
    }
    return h.degraded() ? HealthStatus.DEGRADED : HealthStatus.HEALTHY;
  }
}
