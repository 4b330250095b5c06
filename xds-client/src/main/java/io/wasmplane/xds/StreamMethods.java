package io.wasmplane.xds;

import io.envoyproxy.envoy.service.cluster.v3.ClusterDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.endpoint.v3.EndpointDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.extension.v3.ExtensionConfigDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.listener.v3.ListenerDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.route.v3.RouteDiscoveryServiceGrpc;
import io.grpc.MethodDescriptor;
import io.wasmplane.xds.resource.ClusterResource;
import io.wasmplane.xds.resource.EndpointResource;
import io.wasmplane.xds.resource.ExtensionConfigResource;
import io.wasmplane.xds.resource.ListenerResource;
import io.wasmplane.xds.resource.RouteConfigurationResource;
import io.wasmplane.xds.resource.SecretResource;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;

/** The gRPC method of a stream: ADS for all types, or the per-type discovery service (LDS, CDS, RDS, EDS, ECDS). */
final class StreamMethods {
  private StreamMethods() { }

  /** {@code typeUrl} null = the aggregated stream. */
  static MethodDescriptor<DiscoveryRequest, DiscoveryResponse> sotw(String typeUrl) {
    if (typeUrl == null) {
      return AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod();
    }
    return switch (typeUrl) {
      case ListenerResource.TYPE_URL -> ListenerDiscoveryServiceGrpc.getStreamListenersMethod();
      case ClusterResource.TYPE_URL -> ClusterDiscoveryServiceGrpc.getStreamClustersMethod();
      case RouteConfigurationResource.TYPE_URL -> RouteDiscoveryServiceGrpc.getStreamRoutesMethod();
      case EndpointResource.TYPE_URL -> EndpointDiscoveryServiceGrpc.getStreamEndpointsMethod();
      case ExtensionConfigResource.TYPE_URL -> ExtensionConfigDiscoveryServiceGrpc.getStreamExtensionConfigsMethod();
      case SecretResource.TYPE_URL -> SecretDiscoveryServiceGrpc.getStreamSecretsMethod();
      default -> throw new IllegalArgumentException("no discovery service for " + typeUrl);
    };
  }

  /** {@code typeUrl} null = the aggregated stream. */
  static MethodDescriptor<DeltaDiscoveryRequest, DeltaDiscoveryResponse> delta(String typeUrl) {
    if (typeUrl == null) {
      return AggregatedDiscoveryServiceGrpc.getDeltaAggregatedResourcesMethod();
    }
    return switch (typeUrl) {
      case ListenerResource.TYPE_URL -> ListenerDiscoveryServiceGrpc.getDeltaListenersMethod();
      case ClusterResource.TYPE_URL -> ClusterDiscoveryServiceGrpc.getDeltaClustersMethod();
      case RouteConfigurationResource.TYPE_URL -> RouteDiscoveryServiceGrpc.getDeltaRoutesMethod();
      case EndpointResource.TYPE_URL -> EndpointDiscoveryServiceGrpc.getDeltaEndpointsMethod();
      case ExtensionConfigResource.TYPE_URL -> ExtensionConfigDiscoveryServiceGrpc.getDeltaExtensionConfigsMethod();
      case SecretResource.TYPE_URL -> SecretDiscoveryServiceGrpc.getDeltaSecretsMethod();
      default -> throw new IllegalArgumentException("no discovery service for " + typeUrl);
    };
  }
}
