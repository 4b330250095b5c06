package io.wasmplane.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.wasmplane.xds.resource.ExtensionConfigResource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny real ADS server that serves ECDS ({@code TypedExtensionConfig}) resources, SotW and delta, because
 * java-control-plane has no ECDS. It records every request and pushes whenever the test changes the resources.
 */
final class EcdsAdsServer implements AutoCloseable {
  private static final String TYPE = ExtensionConfigResource.TYPE_URL;
  final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
  final List<DeltaDiscoveryRequest> deltaRequests = new CopyOnWriteArrayList<>();
  private final Map<String, Any> resources = new HashMap<>();
  private String version = "0";
  private final List<Runnable> pushers = new CopyOnWriteArrayList<>();
  private final AtomicInteger nonces = new AtomicInteger();
  private final Server server;

  EcdsAdsServer() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new Service()).build().start();
  }

  int port() {
    return server.getPort();
  }

  /** Replaces the served set (a removal is a name no longer present) and pushes to every stream. */
  void set(String newVersion, List<TypedExtensionConfig> configs) {
    synchronized (this) {
      version = newVersion;
      resources.clear();
      configs.forEach(c -> resources.put(c.getName(), Any.pack(c)));
    }
    pushers.forEach(Runnable::run);
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Service extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
      Set<String> names = new HashSet<>();
      Runnable push = () -> {
        synchronized (EcdsAdsServer.this) {
          DiscoveryResponse.Builder r = DiscoveryResponse.newBuilder().setTypeUrl(TYPE).setVersionInfo(version)
              .setNonce(Integer.toString(nonces.incrementAndGet()));
          synchronized (names) {
            names.stream().sorted().filter(resources::containsKey).forEach(n -> r.addResources(resources.get(n)));
          }
          synchronized (out) {
            out.onNext(r.build());
          }
        }
      };
      pushers.add(push);
      return new StreamObserver<>() {
        @Override
        public void onNext(DiscoveryRequest req) {
          requests.add(req);
          if (!req.getTypeUrl().equals(TYPE)) {
            return;
          }
          boolean changed;
          synchronized (names) {
            changed = !names.equals(new HashSet<>(req.getResourceNamesList())) || req.getResponseNonce().isEmpty();
            names.clear();
            names.addAll(req.getResourceNamesList());
          }
          if (changed) {
            push.run();
          }
        }

        @Override
        public void onError(Throwable t) {
          pushers.remove(push);
        }

        @Override
        public void onCompleted() {
          pushers.remove(push);
          out.onCompleted();
        }
      };
    }

    @Override
    public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(StreamObserver<DeltaDiscoveryResponse> out) {
      Set<String> names = new HashSet<>();
      Map<String, Any> sent = new HashMap<>();
      Runnable push = () -> {
        synchronized (EcdsAdsServer.this) {
          DeltaDiscoveryResponse.Builder r = DeltaDiscoveryResponse.newBuilder().setTypeUrl(TYPE)
              .setSystemVersionInfo(version).setNonce(Integer.toString(nonces.incrementAndGet()));
          synchronized (names) {
            for (String n : names) {
              Any current = resources.get(n);
              if (current != null && !current.equals(sent.get(n))) {
                r.addResources(Resource.newBuilder().setName(n).setVersion(version).setResource(current));
                sent.put(n, current);
              } else if (current == null && sent.remove(n) != null) {
                r.addRemovedResources(n);
              }
            }
          }
          if (r.getResourcesCount() > 0 || r.getRemovedResourcesCount() > 0) {
            synchronized (out) {
              out.onNext(r.build());
            }
          }
        }
      };
      pushers.add(push);
      return new StreamObserver<>() {
        @Override
        public void onNext(DeltaDiscoveryRequest req) {
          deltaRequests.add(req);
          if (!req.getTypeUrl().equals(TYPE)) {
            return;
          }
          synchronized (names) {
            names.addAll(req.getResourceNamesSubscribeList());
            req.getResourceNamesUnsubscribeList().forEach(n -> {
              names.remove(n);
              sent.remove(n);
            });
            req.getInitialResourceVersionsMap().forEach((n, v) -> {
              if (v.equals(version) && resources.containsKey(n)) {
                sent.put(n, resources.get(n));
              }
            });
          }
          if (req.getResourceNamesSubscribeCount() > 0) {
            push.run();
          }
        }

        @Override
        public void onError(Throwable t) {
          pushers.remove(push);
        }

        @Override
        public void onCompleted() {
          pushers.remove(push);
          out.onCompleted();
        }
      };
    }
  }
}
