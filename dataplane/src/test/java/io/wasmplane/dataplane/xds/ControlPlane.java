package io.wasmplane.dataplane.xds;

import com.google.protobuf.Value;
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

/**
 * java-control-plane 1.0.49 (V3DiscoveryServer + SimpleCache) embedded on loopback, grouping nodes by their
 * metadata field {@code group} (default "default"), and recording the error_detail of every NACK it receives.
 */
final class ControlPlane implements AutoCloseable {
  final SimpleCache<String> cache;
  /** "type_url: message" of every request carrying an error_detail (SotW and delta). */
  final List<String> nacks = new CopyOnWriteArrayList<>();
  /** The default type URL of every stream opened: "" for ADS, the type's URL on a per-type service. */
  final List<String> streamsOpened = new CopyOnWriteArrayList<>();
  private Server server;

  ControlPlane() {
    this(new SimpleCache<>(node -> node.getMetadata()
        .getFieldsOrDefault("group", Value.newBuilder().setStringValue("default").build()).getStringValue()));
  }

  /** A restarted control plane keeps its cache, as one backed by a store would. */
  private ControlPlane(SimpleCache<String> cache) {
    this.cache = cache;
  }

  ControlPlane start(int port) throws IOException {
    return start(port, null);
  }

  /** With {@code tls} (a Netty server context) the xDS services are served over TLS (mTLS if it requires clients). */
  ControlPlane start(int port, io.grpc.netty.shaded.io.netty.handler.ssl.SslContext tls) throws IOException {
    V3DiscoveryServer discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
      @Override
      public void onStreamOpen(long streamId, String typeUrl) {
        streamsOpened.add(typeUrl);
      }

      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        if (request.hasErrorDetail()) {
          nacks.add(request.getTypeUrl() + ": " + request.getErrorDetail().getMessage());
        }
      }

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        if (request.hasErrorDetail()) {
          nacks.add(request.getTypeUrl() + ": " + request.getErrorDetail().getMessage());
        }
      }
    }, cache);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port));
    if (tls != null) {
      builder.sslContext(tls);
    }
    server = builder
        .addService(discovery.getAggregatedDiscoveryServiceImpl())
        // Per-type services (LDS, CDS, RDS, EDS) for api_config_source subscriptions.
        .addService(discovery.getListenerDiscoveryServiceImpl())
        .addService(discovery.getClusterDiscoveryServiceImpl())
        .addService(discovery.getRouteDiscoveryServiceImpl())
        .addService(discovery.getEndpointDiscoveryServiceImpl())
        .build()
        .start();
    return this;
  }

  int port() {
    return server.getPort();
  }

  void set(String group, String version, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints,
      List<Listener> listeners, List<RouteConfiguration> routes) {
    cache.setSnapshot(group, Snapshot.create(clusters, endpoints, listeners, routes, List.of(), version));
  }

  void stop() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  /** A new server on the same port and cache: what a restarted control plane looks like to the data plane. */
  ControlPlane restart(int port) throws IOException {
    return new ControlPlane(cache).start(port);
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
