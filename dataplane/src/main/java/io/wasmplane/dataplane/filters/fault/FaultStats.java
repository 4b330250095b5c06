package io.wasmplane.dataplane.filters.fault;

import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;
import io.wasmplane.dataplane.stats.StatsRegistry;

/**
 * Envoy's http.<stat_prefix>.fault.* stats of one fault filter, resolved once, and the per downstream cluster
 * http.<stat_prefix>.fault.<downstream_cluster>.{delays,aborts}_injected, resolved when a fault is injected.
 */
final class FaultStats {
  private final StatsRegistry registry;
  private final String prefix;
  final Counter delaysInjected;
  final Counter abortsInjected;
  final Counter faultsOverflow;
  /** Streams with a fault in progress (a delay pending or an abort sent), each counted once. */
  final Gauge activeFaults;

  FaultStats(StatsRegistry r, String statPrefix) {
    String p = "http." + statPrefix + ".fault.";
    registry = r;
    prefix = p;
    delaysInjected = r.counter(p + "delays_injected");
    abortsInjected = r.counter(p + "aborts_injected");
    faultsOverflow = r.counter(p + "faults_overflow");
    activeFaults = r.gauge(p + "active_faults");
  }

  Counter downstreamDelays(String downstreamCluster) {
    return registry.counter(prefix + downstreamCluster + ".delays_injected");
  }

  Counter downstreamAborts(String downstreamCluster) {
    return registry.counter(prefix + downstreamCluster + ".aborts_injected");
  }
}
