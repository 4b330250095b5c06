package io.wasmplane.dataplane.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.ssl.SslContext;
import io.wasmplane.dataplane.config.ClusterConfig;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/** Connections to one host from one worker. */
abstract class HostPool {
  protected final WorkerPool worker;
  protected final UpstreamHost host;
  protected final UpstreamCluster cluster;
  protected final ArrayDeque<UpstreamStream> waiting = new ArrayDeque<>();

  HostPool(WorkerPool worker, UpstreamHost host) {
    this.worker = worker;
    this.host = host;
    this.cluster = worker.cluster();
  }

  static HostPool create(WorkerPool worker, UpstreamHost host) {
    return worker.cluster().config().protocol() == ClusterConfig.UpstreamProtocol.HTTP2
        ? new Http2HostPool(worker, host) : new Http1HostPool(worker, host);
  }

  abstract void submit(UpstreamStream s);

  /** The router gave up on a stream: the connection (or HTTP/2 stream) carrying it cannot be reused. */
  abstract void reset(UpstreamStream s, Channel channel);

  abstract void closeAll();

  void removeWaiting(UpstreamStream s) {
    waiting.remove(s);
  }

  /** Queue a stream until a connection frees up, or fail it with overflow (Envoy's max_pending_requests). */
  protected void queueOrOverflow(UpstreamStream s) {
    if (cluster.pendingRequests.get() >= cluster.config().limits().maxPendingRequests()) {
      cluster.stats().rqPendingOverflow.inc();
      worker.loop().execute(() -> s.fail(ResetReason.OVERFLOW, "overflow"));
      return;
    }
    cluster.pendingRequests.incrementAndGet();
    cluster.stats().rqPendingTotal.inc();
    cluster.stats().rqPendingActive.inc();
    s.setPending(true);
    waiting.add(s);
  }

  protected UpstreamStream takeWaiting() {
    UpstreamStream s = waiting.poll();
    if (s != null && s.pending()) {
      s.setPending(false);
      cluster.pendingRequests.decrementAndGet();
      cluster.stats().rqPendingActive.dec();
    }
    return s;
  }

  protected boolean canOpenConnection() {
    return cluster.activeConnections.get() < cluster.config().limits().maxConnections();
  }

  /** Opens a TCP (+TLS) connection on this worker's loop; {@code pipeline} adds the HTTP codec. */
  protected ChannelFuture connect(Consumer<Channel> pipeline) {
    cluster.activeConnections.incrementAndGet();
    cluster.stats().cxTotal.inc();
    cluster.stats().cxActive.inc();
    Bootstrap b = new Bootstrap()
        .group(worker.loop())
        .channel(cluster.transport().channel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, cluster.config().connectTimeout().toMillis()))
        .handler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast("flush", new io.netty.handler.flush.FlushConsolidationHandler(64, true));
            if (cluster.sslContext().isPresent()) {
              SslContext ctx = cluster.sslContext().get();
              String sni = cluster.config().tls().flatMap(t -> t.sni()).orElse(host.hostname());
              ch.pipeline().addLast("ssl", ctx.newHandler(ch.alloc(), sni, host.address().getPort()));
            }
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
      cluster.stats().cxDestroy.inc();
    });
    f.addListener(cf -> {
      if (cf.isSuccess()) {
        cluster.stats().cxConnectMs.recordMillisSince(connectStart);
      } else {
        cluster.stats().cxConnectFail.inc();
        if (cf.cause() instanceof ConnectTimeoutException) {
          cluster.stats().cxConnectTimeout.inc();
        }
      }
    });
    return f;
  }

  static String describe(Throwable t) {
    if (t == null) {
      return "unknown";
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
