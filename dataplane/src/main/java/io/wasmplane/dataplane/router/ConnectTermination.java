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
 * downstream in an {@link UpgradeTunnel} (HTTP/1.1) or an {@link H2UpgradeBridge} (HTTP/2). The connection never
 * belongs to a pool.
 */
final class ConnectTermination {
  private final Runnable abandon;
  private ChannelFuture connecting;
  private boolean cancelled;

  private ConnectTermination(Runnable abandon) {
    this.abandon = abandon;
  }

  /**
   * Connects to {@code host}; once up, {@code attach} takes the connection and {@code connected} runs (on {@code loop});
   * {@code failed} gets the transport failure reason. None of them runs after {@link #cancel}, which runs
   * {@code abandon}.
   */
  static ConnectTermination start(UpstreamCluster cluster, UpstreamHost host, EventLoop loop, Consumer<Channel> attach,
      Runnable abandon, Runnable connected, Consumer<String> failed) {
    ConnectTermination t = new ConnectTermination(abandon);
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
      attach.accept(ch);
      connected.run();
    });
    return t;
  }

  /** The downstream stream went away before its side of the tunnel attached: the upstream connection goes too. */
  void cancel() {
    cancelled = true;
    abandon.run();
    if (connecting.isDone()) {
      connecting.channel().close();
    }
  }
}
