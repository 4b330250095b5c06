package io.wasmplane.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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
    return UpstreamConnector.open(cluster, host, worker.loop(), false, pipeline);
  }

  /** The TLS error (a failed handshake) behind an upstream connection's exception, or null. */
  static javax.net.ssl.SSLException tlsFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof javax.net.ssl.SSLException e) {
        return e;
      }
    }
    return null;
  }

  static String describe(Throwable t) {
    if (t == null) {
      return "unknown";
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
