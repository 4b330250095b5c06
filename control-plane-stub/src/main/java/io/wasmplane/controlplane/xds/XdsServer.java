package io.wasmplane.controlplane.xds;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.extension.v3.ExtensionConfigDiscoveryServiceGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.wasmplane.controlplane.snapshot.TypeUrls;
import io.wasmplane.controlplane.tls.ServerTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The gRPC server: ADS (SotW and delta, all types) and the standalone ECDS service (SotW, delta, fetch). */
public final class XdsServer implements AutoCloseable {
  private final Server server;

  private XdsServer(Server server) {
    this.server = server;
  }

  public static XdsServer start(XdsHub hub, String host, int port) throws IOException {
    return start(hub, host, port, Optional.empty());
  }

  /** With {@code tls}: gRPC over TLS, and mTLS (client certificates required) when it names a client CA. */
  public static XdsServer start(XdsHub hub, String host, int port, Optional<ServerTls> tls) throws IOException {
    var ads = new AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase() {
      @Override
      public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
        return new SotwStream(hub, out, TypeUrls.ALL::contains);
      }

      @Override
      public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
          StreamObserver<DeltaDiscoveryResponse> out) {
        return new DeltaStream(hub, out, TypeUrls.ALL::contains);
      }
    };
    var ecds = new ExtensionConfigDiscoveryServiceGrpc.ExtensionConfigDiscoveryServiceImplBase() {
      @Override
      public StreamObserver<DiscoveryRequest> streamExtensionConfigs(StreamObserver<DiscoveryResponse> out) {
        return new SotwStream(hub, out, TypeUrls.EXTENSION_CONFIG::equals);
      }

      /** REST-style one-shot fetch: the named (or, with no names, all) extension configs for the node. */
      @Override
      public void fetchExtensionConfigs(DiscoveryRequest req, StreamObserver<DiscoveryResponse> out) {
        if (!req.hasNode() || req.getNode().getId().isEmpty()) {
          out.onError(io.grpc.Status.INVALID_ARGUMENT.withDescription("node.id is required").asRuntimeException());
          return;
        }
        var ts = hub.snapshotFor(req.getNode()).of(TypeUrls.EXTENSION_CONFIG);
        var resp = DiscoveryResponse.newBuilder().setVersionInfo(ts.version()).setTypeUrl(TypeUrls.EXTENSION_CONFIG);
        ts.resources().forEach((name, r) -> {
          if (req.getResourceNamesCount() == 0 || req.getResourceNamesList().contains(name)) {
            resp.addResources(r.body());
          }
        });
        out.onNext(resp.build());
        out.onCompleted();
      }

      @Override
      public StreamObserver<DeltaDiscoveryRequest> deltaExtensionConfigs(
          StreamObserver<DeltaDiscoveryResponse> out) {
        return new DeltaStream(hub, out, TypeUrls.EXTENSION_CONFIG::equals);
      }
    };
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .addService(ads).addService(ecds)
        .permitKeepAliveWithoutCalls(true).permitKeepAliveTime(10, TimeUnit.SECONDS);
    if (tls.isPresent()) {
      b.sslContext(tls.get().grpcContext());
    }
    Server s = b.build().start();
    return new XdsServer(s);
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
