package io.wasmplane.controlplane;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.extension.v3.ExtensionConfigDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test xDS client over real gRPC on loopback: send requests, take responses with a bounded wait. */
final class AdsTestClient implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(5);

  private final ManagedChannel channel;
  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private StreamObserver<DiscoveryRequest> sotw;
  private StreamObserver<DeltaDiscoveryRequest> delta;

  AdsTestClient(int port) {
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  static Node node(String id, String cluster, Map<String, String> metadata) {
    Struct.Builder md = Struct.newBuilder();
    metadata.forEach((k, v) -> md.putFields(k, Value.newBuilder().setStringValue(v).build()));
    return Node.newBuilder().setId(id).setCluster(cluster).setMetadata(md).build();
  }

  private <T> StreamObserver<T> collector() {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        inbox.add(value);
      }

      @Override
      public void onError(Throwable t) {
        inbox.add(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  AdsTestClient openSotw() {
    sotw = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(collector());
    return this;
  }

  AdsTestClient openEcdsSotw() {
    sotw = ExtensionConfigDiscoveryServiceGrpc.newStub(channel).streamExtensionConfigs(collector());
    return this;
  }

  AdsTestClient openDelta() {
    delta = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(collector());
    return this;
  }

  void send(DiscoveryRequest r) {
    sotw.onNext(r);
  }

  void send(DeltaDiscoveryRequest r) {
    delta.onNext(r);
  }

  DiscoveryResponse next() throws InterruptedException {
    return take(DiscoveryResponse.class, WAIT);
  }

  DeltaDiscoveryResponse nextDelta() throws InterruptedException {
    return take(DeltaDiscoveryResponse.class, WAIT);
  }

  /** The next response of this type; fails if none arrives within the wait. */
  <T> T take(Class<T> type, Duration wait) throws InterruptedException {
    Object o = inbox.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    if (o == null) {
      throw new AssertionError("no " + type.getSimpleName() + " within " + wait);
    }
    if (o instanceof Throwable t) {
      throw new AssertionError("stream failed", t);
    }
    return type.cast(o);
  }

  /** Whatever arrives within the window, or null. */
  Object poll(Duration window) throws InterruptedException {
    return inbox.poll(window.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    try {
      if (sotw != null) {
        sotw.onCompleted();
      }
      if (delta != null) {
        delta.onCompleted();
      }
    } catch (IllegalStateException alreadyClosed) {
      // the server ended the stream first
    }
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
