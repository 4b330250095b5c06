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
  private final Map<String, UpstreamCluster> clusters = new LinkedHashMap<>();
  private final ScheduledExecutorService dns = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "dns-resolver");
    t.setDaemon(true);
    return t;
  });

  public ClusterManager(List<ClusterConfig> configs, StatsRegistry stats, Transport transport) {
    for (ClusterConfig c : configs) {
      clusters.put(c.name(), new UpstreamCluster(c, stats, transport, dns));
    }
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
  }
}
