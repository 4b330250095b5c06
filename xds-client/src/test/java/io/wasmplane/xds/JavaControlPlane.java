package io.wasmplane.xds;

import io.envoyproxy.controlplane.cache.NodeGroup;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** java-control-plane (V3DiscoveryServer + SimpleCache) on loopback, recording every request it receives. */
final class JavaControlPlane implements AutoCloseable {
  final SimpleCache<String> cache;
  final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
  final List<DeltaDiscoveryRequest> deltaRequests = new CopyOnWriteArrayList<>();
  /** The default type URL of every stream opened: "" for ADS, the type's URL for a per-type service. */
  final List<String> streamsOpened = new CopyOnWriteArrayList<>();
  private Server server;
  private int port;

  JavaControlPlane(NodeGroup<String> groups) {
    this.cache = new SimpleCache<>(groups);
  }

  JavaControlPlane start(int listenPort) throws IOException {
    V3DiscoveryServer discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
      @Override
      public void onStreamOpen(long streamId, String typeUrl) {
        streamsOpened.add(typeUrl);
      }

      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        requests.add(request);
      }

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        deltaRequests.add(request);
      }
    }, cache);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", listenPort))
        .addService(discovery.getAggregatedDiscoveryServiceImpl())
        // The per-type services too (LDS, CDS, RDS, EDS), for api_config_source subscriptions.
        .addService(discovery.getListenerDiscoveryServiceImpl())
        .addService(discovery.getClusterDiscoveryServiceImpl())
        .addService(discovery.getRouteDiscoveryServiceImpl())
        .addService(discovery.getEndpointDiscoveryServiceImpl())
        .build()
        .start();
    port = server.getPort();
    return this;
  }

  int port() {
    return port;
  }

  void stop() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  void setSnapshot(String group, String version, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints,
      List<Listener> listeners, List<RouteConfiguration> routes) {
    cache.setSnapshot(group, Snapshot.create(clusters, endpoints, listeners, routes, List.of(), version));
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
