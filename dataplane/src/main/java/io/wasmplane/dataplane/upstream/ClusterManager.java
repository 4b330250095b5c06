package io.wasmplane.dataplane.upstream;

import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.server.Transport;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** All clusters by name, and the single background thread that does their DNS. */
public final class ClusterManager implements AutoCloseable {
  // Copy-on-write: workers read the current map without locks; updates (xDS) replace it.
  private volatile Map<String, UpstreamCluster> clusters = Map.of();
  /** Clusters built by CDS that wait for their first health checks before replacing/joining {@link #clusters}. */
  private final Map<String, UpstreamCluster> warming = new java.util.HashMap<>();
  private final StatsRegistry stats;
  private final Transport transport;
  private final ScheduledExecutorService dns = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "dns-resolver");
    t.setDaemon(true);
    return t;
  });

  // Health checks and outlier decisions of every cluster run on one event loop, started when a cluster first needs it.
  private io.netty.channel.EventLoopGroup healthGroup;

  private synchronized io.netty.channel.EventLoop healthLoop() {
    if (healthGroup == null) {
      healthGroup = transport.newGroup(1, "health-check");
    }
    return healthGroup.next();
  }

  /** The secrets cluster TLS contexts refer to (SDS). */
  private final io.wasmplane.dataplane.tls.SecretStore secrets;

  public ClusterManager(List<ClusterConfig> configs, StatsRegistry stats, Transport transport) {
    this(configs, stats, transport, new io.wasmplane.dataplane.tls.SecretStore(Map.of()));
  }

  public ClusterManager(List<ClusterConfig> configs, StatsRegistry stats, Transport transport,
      io.wasmplane.dataplane.tls.SecretStore secrets) {
    this.stats = stats;
    this.transport = transport;
    this.secrets = secrets;
    Map<String, UpstreamCluster> m = new LinkedHashMap<>();
    for (ClusterConfig c : configs) {
      m.put(c.name(), new UpstreamCluster(c, stats, transport, dns, this::healthLoop, secrets));
    }
    clusters = java.util.Collections.unmodifiableMap(m);
    stats.gauge("cluster_manager.active_clusters", () -> clusters.size());
  }

  /**
   * Adds or replaces a cluster. An identical config keeps the running cluster (and its pools); a changed one gets
   * a new cluster, and the old one's idle connections are closed (streams in flight finish on their connections).
   */
  public synchronized void addOrUpdate(ClusterConfig config) {
    discardWarming(config.name());
    UpstreamCluster old = clusters.get(config.name());
    if (old != null && old.config().equals(config)) {
      return;
    }
    Map<String, UpstreamCluster> m = new LinkedHashMap<>(clusters);
    m.put(config.name(), new UpstreamCluster(config, stats, transport, dns, this::healthLoop, secrets));
    clusters = java.util.Collections.unmodifiableMap(m);
    if (old != null) {
      old.close();
    }
  }

  /**
   * Envoy's cluster warming for CDS: builds the cluster beside the running one (which keeps serving) and publishes it
   * once {@link UpstreamCluster#warmed() warmed} (first resolution and, with health checks, every host's first check).
   * A later update or removal of the same name supersedes a cluster still warming. The stage completes when it was
   * published (on the health-check or DNS thread), or never if it was superseded.
   */
  public synchronized java.util.concurrent.CompletionStage<Void> addOrUpdateWhenWarm(ClusterConfig config) {
    UpstreamCluster old = clusters.get(config.name());
    discardWarming(config.name());
    if (old != null && old.config().equals(config)) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    UpstreamCluster next = new UpstreamCluster(config, stats, transport, dns, this::healthLoop, secrets);
    warming.put(config.name(), next);
    java.util.concurrent.CompletableFuture<Void> published = new java.util.concurrent.CompletableFuture<>();
    next.warmed().thenRun(() -> {
      synchronized (this) {
        if (warming.get(config.name()) != next) {
          return; // superseded while warming
        }
        warming.remove(config.name());
        UpstreamCluster replaced = clusters.get(config.name());
        Map<String, UpstreamCluster> m = new LinkedHashMap<>(clusters);
        m.put(config.name(), next);
        clusters = java.util.Collections.unmodifiableMap(m);
        if (replaced != null) {
          replaced.close();
        }
      }
      published.complete(null);
    });
    return published;
  }

  private void discardWarming(String name) {
    UpstreamCluster w = warming.remove(name);
    if (w != null) {
      w.close();
    }
  }

  public synchronized void remove(String name) {
    discardWarming(name);
    UpstreamCluster old = clusters.get(name);
    if (old == null) {
      return;
    }
    Map<String, UpstreamCluster> m = new LinkedHashMap<>(clusters);
    m.remove(name);
    clusters = java.util.Collections.unmodifiableMap(m);
    old.close();
  }

  /** Waits until every cluster had its first host resolution, at most {@code millis} in total. */
  public void awaitInitialized(long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000;
    try {
      for (UpstreamCluster c : clusters.values()) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0 || !c.awaitInitialized(left)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public UpstreamCluster get(String name) {
    return clusters.get(name);
  }

  public Collection<UpstreamCluster> all() {
    return clusters.values();
  }

  @Override
  public void close() {
    clusters.values().forEach(UpstreamCluster::close);
    dns.shutdownNow();
    synchronized (this) {
      warming.values().forEach(UpstreamCluster::close);
      warming.clear();
      if (healthGroup != null) {
        healthGroup.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }
}
