package io.wasmplane.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.Map;

/** The connection pools of one cluster on one worker event loop: one {@link HostPool} per host. Single-threaded. */
public final class WorkerPool {
  private final UpstreamCluster cluster;
  private final EventLoop loop;
  private final Map<UpstreamHost, HostPool> hostPools = new HashMap<>();

  WorkerPool(UpstreamCluster cluster, EventLoop loop) {
    this.cluster = cluster;
    this.loop = loop;
  }

  UpstreamCluster cluster() {
    return cluster;
  }

  EventLoop loop() {
    return loop;
  }

  /**
   * Starts a request on a host the load balancer picks; returns null when the cluster has no host. Failures (overflow,
   * connect failure) arrive through the listener, never synchronously from this call.
   */
  public UpstreamStream newStream(UpstreamListener listener) {
    UpstreamHost host = cluster.chooseHost();
    if (host == null) {
      cluster.stats().cxNone.inc();
      return null;
    }
    return newStream(listener, host);
  }

  /** Starts a request on {@code host}, a host of this cluster picked by the caller (a retry avoiding previous hosts). */
  public UpstreamStream newStream(UpstreamListener listener, UpstreamHost host) {
    UpstreamStream s = new UpstreamStream(this, host, listener);
    ClusterStats st = cluster.stats();
    st.rqTotal.inc();
    boolean overflow = cluster.activeRequests.get() >= cluster.config().limits().maxRequests();
    cluster.activeRequests.incrementAndGet();
    host.activeRequests.incrementAndGet();
    st.rqActive.inc();
    if (overflow) {
      st.rqPendingOverflow.inc();
      loop.execute(() -> s.fail(ResetReason.OVERFLOW, "overflow"));
      return s;
    }
    host.stats().rqTotal.inc(); // an overflowed request never reached the host
    hostPools.computeIfAbsent(host, h -> HostPool.create(this, h)).submit(s);
    return s;
  }

  void streamDone(UpstreamStream s) {
    cluster.activeRequests.decrementAndGet();
    s.host().activeRequests.decrementAndGet();
    cluster.stats().rqActive.dec();
    cluster.stats().rqCompleted.inc();
    if (s.pending()) {
      s.setPending(false);
      cluster.pendingRequests.decrementAndGet();
      cluster.stats().rqPendingActive.dec();
      HostPool hp = hostPools.get(s.host());
      if (hp != null) {
        hp.removeWaiting(s);
      }
    }
  }

  void streamReset(UpstreamStream s, Channel channel) {
    streamDone(s);
    HostPool hp = hostPools.get(s.host());
    if (hp != null) {
      hp.reset(s, channel);
    }
  }

  void closeAll() {
    loop.execute(() -> hostPools.values().forEach(HostPool::closeAll));
  }
}
