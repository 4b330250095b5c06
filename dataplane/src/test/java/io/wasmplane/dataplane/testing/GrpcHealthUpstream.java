package io.wasmplane.dataplane.testing;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real grpc-java server on loopback (cleartext HTTP/2) with grpc-services' standard grpc.health.v1 Health service
 * ({@link #health()} flips statuses) and a unary {@code test.Who/Name} method that answers the server's name, so a
 * test sees which upstream a gRPC call through the proxy reached.
 */
public final class GrpcHealthUpstream implements AutoCloseable {
  public static final MethodDescriptor<byte[], byte[]> WHO = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Who/Name")
      .setRequestMarshaller(Bytes.INSTANCE).setResponseMarshaller(Bytes.INSTANCE).build();

  private final HealthStatusManager health = new HealthStatusManager();
  private final Server server;
  /** The :authority of the last Health/Check call, and how many there were. */
  public volatile String lastHealthAuthority;
  public final AtomicInteger healthChecks = new AtomicInteger();
  /** HTTP/2 connections accepted so far. */
  public final AtomicInteger connections = new AtomicInteger();

  public GrpcHealthUpstream(String name) throws IOException {
    ServerServiceDefinition who = ServerServiceDefinition.builder("test.Who")
        .addMethod(WHO, ServerCalls.asyncUnaryCall((req, out) -> {
          out.onNext(name.getBytes(StandardCharsets.UTF_8));
          out.onCompleted();
        })).build();
    ServerInterceptor recordHealth = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        lastHealthAuthority = call.getAuthority();
        healthChecks.incrementAndGet();
        return next.startCall(call, headers);
      }
    };
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(health.getHealthService(), recordHealth))
        .addService(who)
        .addTransportFilter(new ServerTransportFilter() {
          @Override
          public Attributes transportReady(Attributes attrs) {
            connections.incrementAndGet();
            return attrs;
          }
        })
        .build().start();
  }

  public int port() {
    return server.getPort();
  }

  public HealthStatusManager health() {
    return health;
  }

  public void setStatus(String service, ServingStatus status) {
    health.setStatus(service, status);
  }

  /** Calls test.Who/Name over {@code channel}: the name of the server that answered. */
  public static String who(Channel channel) {
    return new String(ClientCalls.blockingUnaryCall(channel, WHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
        new byte[0]), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
