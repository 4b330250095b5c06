package io.wasmplane.dataplane.router;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamConnector;
import io.wasmplane.dataplane.upstream.UpstreamHost;
import java.util.function.Consumer;

/**
 * Envoy's CONNECT termination (a route's CONNECT upgrade config with {@code connect_config}): the proxy itself opens a
 * TCP connection to a host of the cluster; once it is up the stream answers 200 and the connection joins the
 * downstream in an {@link UpgradeTunnel}. The connection never belongs to a pool.
 */
final class ConnectTermination {
  private final UpgradeTunnel tunnel;
  private ChannelFuture connecting;
  private boolean cancelled;

  private ConnectTermination(UpgradeTunnel tunnel) {
    this.tunnel = tunnel;
  }

  /**
   * Connects to {@code host}; {@code connected} runs on {@code loop} once the upstream side of the tunnel is attached,
   * {@code failed} with the transport failure reason. Neither runs after {@link #cancel}.
   */
  static ConnectTermination start(UpstreamCluster cluster, UpstreamHost host, EventLoop loop, UpgradeTunnel tunnel,
      Runnable connected, Consumer<String> failed) {
    ConnectTermination t = new ConnectTermination(tunnel);
    t.connecting = UpstreamConnector.open(cluster, host, loop, true, ch -> {});
    t.connecting.addListener(f -> {
      Channel ch = t.connecting.channel();
      if (t.cancelled) {
        ch.close();
        return;
      }
      if (!f.isSuccess()) {
        host.outlier().putLocalOriginFailure();
        failed.accept(f.cause() == null ? "unknown" : f.cause().toString());
        return;
      }
      host.outlier().putConnectSuccess();
      tunnel.attachUpstream(ch);
      connected.run();
    });
    return t;
  }

  /** The downstream stream went away before its side of the tunnel attached: the upstream connection goes too. */
  void cancel() {
    cancelled = true;
    tunnel.abandon();
    if (connecting.isDone()) {
      connecting.channel().close();
    }
  }
}
