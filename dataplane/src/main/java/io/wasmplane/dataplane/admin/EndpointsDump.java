package io.wasmplane.dataplane.admin;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.wasmplane.dataplane.upstream.HostHealth;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamHost;
import java.util.Collection;
import java.util.Set;

/**
 * /config_dump?include_eds: Envoy's {@code EndpointsConfigDump}, each cluster's hosts as they are now (static for the
 * bootstrap's clusters, dynamic for CDS ones), with their weight and health.
 */
final class EndpointsDump {
  private EndpointsDump() {}

  static EndpointsConfigDump build(Collection<UpstreamCluster> clusters, Set<String> staticNames) {
    EndpointsConfigDump.Builder out = EndpointsConfigDump.newBuilder();
    for (UpstreamCluster c : clusters) {
      LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
      for (UpstreamHost h : c.hosts()) {
        locality.addLbEndpoints(LbEndpoint.newBuilder()
            .setEndpoint(Endpoint.newBuilder().setAddress(ClustersStatus.address(h.address())).setHostname(h.hostname()))
            .setHealthStatus(health(h.health()))
            .setLoadBalancingWeight(UInt32Value.of(h.weight())));
      }
      ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName(c.config().name())
          .addEndpoints(locality).build();
      if (staticNames.contains(c.config().name())) {
        out.addStaticEndpointConfigs(EndpointsConfigDump.StaticEndpointConfig.newBuilder().setEndpointConfig(
            com.google.protobuf.Any.pack(cla)));
      } else {
        out.addDynamicEndpointConfigs(EndpointsConfigDump.DynamicEndpointConfig.newBuilder().setEndpointConfig(
            com.google.protobuf.Any.pack(cla)));
      }
    }
    return out.build();
  }

  private static HealthStatus health(HostHealth h) {
    if (!h.healthy()) {
      return HealthStatus.UNHEALTHY;
    }
    return h.degraded() ? HealthStatus.DEGRADED : HealthStatus.HEALTHY;
  }
}
