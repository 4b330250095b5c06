package io.wasmplane.dataplane.fault;

import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;
import io.wasmplane.dataplane.stats.StatsRegistry;

/** Envoy's http.<stat_prefix>.fault.* stats of one fault filter, resolved once. */
final class FaultStats {
  final Counter delaysInjected;
  final Counter abortsInjected;
  final Counter faultsOverflow;
  /** Streams with a fault in progress (a delay pending or an abort sent), each counted once. */
  final Gauge activeFaults;

  FaultStats(StatsRegistry r, String statPrefix) {
    String p = "http." + statPrefix + ".fault.";
    delaysInjected = r.counter(p + "delays_injected");
    abortsInjected = r.counter(p + "aborts_injected");
    faultsOverflow = r.counter(p + "faults_overflow");
    activeFaults = r.gauge(p + "active_faults");
  }
}
