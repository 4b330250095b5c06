package io.wasmplane.dataplane.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import java.util.function.Consumer;

/**
 * Opens one TCP (+TLS, per the cluster's transport socket) connection to a host of a cluster, with the cluster's
 * connect timeout, connection limit accounting and connection stats. HTTP pools add their codec; a terminated CONNECT
 * uses the connection as raw bytes.
 */
public final class UpstreamConnector {
  private UpstreamConnector() {}

  /** {@code pipeline} adds the handlers after TLS; {@code halfClose}: the connection survives the peer's FIN. */
  public static ChannelFuture open(UpstreamCluster cluster, UpstreamHost host, EventLoop loop, boolean halfClose,
      Consumer<Channel> pipeline) {
    cluster.activeConnections.incrementAndGet();
    cluster.stats().cxTotal.inc();
    cluster.stats().cxActive.inc();
    HostStats hs = host.stats();
    hs.cxTotal.inc();
    hs.cxActive.inc();
    Bootstrap b = new Bootstrap()
        .group(loop)
        .channel(cluster.transport().channel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, halfClose)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, cluster.config().connectTimeout().toMillis()))
        .handler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast("flush", new io.netty.handler.flush.FlushConsolidationHandler(64, true));
            host.transportSocket.install(ch, host); // TLS or plaintext, chosen per host (transport_socket_matches)
            pipeline.accept(ch);
          }
        });
    io.wasmplane.dataplane.server.ChannelSocketOptions.upstream(b, cluster.config().socketOptions(), cluster.transport());
    long connectStart = System.nanoTime();
    ChannelFuture f = b.connect(host.address());
    f.channel().closeFuture().addListener(cf -> {
      cluster.stats().cxLengthMs.recordMillisSince(connectStart);
      cluster.activeConnections.decrementAndGet();
      cluster.stats().cxActive.dec();
      hs.cxActive.dec();
      cluster.stats().cxDestroy.inc();
    });
    f.addListener(cf -> {
      if (cf.isSuccess()) {
        cluster.stats().cxConnectMs.recordMillisSince(connectStart);
      } else {
        cluster.stats().cxConnectFail.inc();
        hs.cxConnectFail.inc();
        if (cf.cause() instanceof ConnectTimeoutException) {
          cluster.stats().cxConnectTimeout.inc();
        }
      }
    });
    return f;
  }
}
