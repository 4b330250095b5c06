package io.wasmplane.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small state-of-the-world ADS server for ECDS (java-control-plane 1.0.49 has no TypedExtensionConfig type):
 * resources by type URL and name, one version per {@link #set}; it answers a new subscription and pushes on every
 * set, and records ACKs and the error_detail of NACKs.
 */
final class SmallAdsServer implements AutoCloseable {
  private final Map<String, Map<String, Message>> resources = new ConcurrentHashMap<>();
  private final AtomicLong version = new AtomicLong();
  private final List<Stream> streams = new CopyOnWriteArrayList<>();
  final List<String> nacks = new CopyOnWriteArrayList<>();
  final List<String> acks = new CopyOnWriteArrayList<>();
  final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
  private final Server server;

  SmallAdsServer() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase() {
          @Override
          public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
            Stream s = new Stream(out);
            streams.add(s);
            return s;
          }
        })
        .build().start();
  }

  int port() {
    return server.getPort();
  }

  /** Replaces the resources of one type and pushes them to every stream subscribed to it. */
  synchronized void set(String typeUrl, Message... items) {
    Map<String, Message> m = new TreeMap<>();
    for (Message r : items) {
      m.put(nameOf(r), r);
    }
    resources.put(typeUrl, m);
    version.incrementAndGet();
    for (Stream s : streams) {
      s.push(typeUrl);
    }
  }

  private static String nameOf(Message r) {
    return (String) r.getField(r.getDescriptorForType().findFieldByName("name"));
  }

  private final class Stream implements StreamObserver<DiscoveryRequest> {
    private final StreamObserver<DiscoveryResponse> out;
    private final Map<String, Set<String>> subscribed = new ConcurrentHashMap<>();

    Stream(StreamObserver<DiscoveryResponse> out) {
      this.out = out;
    }

    @Override
    public void onNext(DiscoveryRequest r) {
      requests.add(r);
      if (r.hasErrorDetail()) {
        nacks.add(r.getTypeUrl() + ": " + r.getErrorDetail().getMessage());
      } else if (!r.getResponseNonce().isEmpty()) {
        acks.add(r.getTypeUrl() + " " + r.getVersionInfo());
      }
      Set<String> names = Set.copyOf(r.getResourceNamesList());
      Set<String> before = subscribed.put(r.getTypeUrl(), names);
      if (!names.equals(before)) {
        push(r.getTypeUrl());
      }
    }

    synchronized void push(String typeUrl) {
      Set<String> names = subscribed.get(typeUrl);
      if (names == null) {
        return;
      }
      DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder().setTypeUrl(typeUrl)
          .setVersionInfo("v" + version.get()).setNonce(Long.toString(System.nanoTime()));
      resources.getOrDefault(typeUrl, Map.of()).forEach((name, res) -> {
        if (names.isEmpty() || names.contains(name) || names.contains("*")) {
          b.addResources(Any.pack(res));
        }
      });
      out.onNext(b.build());
    }

    @Override
    public void onError(Throwable t) {
      streams.remove(this);
    }

    @Override
    public void onCompleted() {
      streams.remove(this);
      out.onCompleted();
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
