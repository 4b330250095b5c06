package io.wasmplane.xds;

import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/** Builds the gRPC channel to the control plane: target or fixed addresses, keepalive, optional (m)TLS. */
final class ChannelFactory {
  private ChannelFactory() { }

  static ManagedChannel create(ServerInfo server, XdsClientConfig config) {
    NettyChannelBuilder builder;
    if (server.target() instanceof ServerTarget.Uri uri) {
      builder = NettyChannelBuilder.forTarget(uri.target());
    } else {
      List<InetSocketAddress> addresses = ((ServerTarget.Addresses) server.target()).addresses();
      InetSocketAddress first = addresses.get(0);
      builder = NettyChannelBuilder.forTarget("static:///" + first.getHostString() + ":" + first.getPort());
      setFixedAddresses(builder, addresses);
    }
    builder.keepAliveTime(config.keepaliveTime().toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(config.keepaliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveWithoutCalls(true)
        .maxInboundMessageSize(64 * 1024 * 1024);
    if (server.tls().isPresent()) {
      TlsOptions tls = server.tls().get();
      builder.negotiationType(NegotiationType.TLS).sslContext(sslContext(tls));
      tls.sni().ifPresent(builder::overrideAuthority);
    } else {
      builder.usePlaintext();
    }
    return builder.build();
  }

  private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext(TlsOptions tls) {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient();
      if (tls.trustedCa().isPresent()) {
        b.trustManager(tls.trustedCa().get().toFile());
      }
      if (tls.certificateChain().isPresent()) {
        b.keyManager(tls.certificateChain().get().toFile(), tls.privateKey().orElseThrow().toFile());
      }
      return b.build();
    } catch (SSLException e) {
      throw new UncheckedIOException(new IOException("cannot build TLS context for the xDS channel: " + e.getMessage(), e));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot read TLS files for the xDS channel: " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("deprecation") // nameResolverFactory is the only per-channel way to pin a fixed address list
  private static void setFixedAddresses(NettyChannelBuilder builder, List<InetSocketAddress> addresses) {
    builder.nameResolverFactory(new NameResolver.Factory() {
      @Override
      public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        return new NameResolver() {
          @Override
          public String getServiceAuthority() {
            return addresses.get(0).getHostString() + ":" + addresses.get(0).getPort();
          }

          @Override
          public void start(Listener2 listener) {
            List<EquivalentAddressGroup> groups = addresses.stream().map(EquivalentAddressGroup::new).toList();
            listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
          }

          @Override
          public void shutdown() { }
        };
      }

      @Override
      public String getDefaultScheme() {
        return "static";
      }
    });
  }
}
