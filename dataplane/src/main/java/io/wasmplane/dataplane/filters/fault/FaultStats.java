package io.wasmplane.dataplane.filters.fault;

import io.wasmplane.dataplane.http.HcmStats;
import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;

/**
 * Envoy's http.<stat_prefix>.fault.* stats of one fault filter in one connection manager, resolved once, and the per
 * downstream cluster http.<stat_prefix>.fault.<downstream_cluster>.{delays,aborts}_injected, resolved when a fault is
 * injected.
 */
final class FaultStats {
  private final HcmStats hcm;
  final Counter delaysInjected;
  final Counter abortsInjected;
  final Counter faultsOverflow;
  /** Streams with a fault in progress (a delay pending or an abort sent), each counted once. */
  final Gauge activeFaults;

  FaultStats(HcmStats hcm) {
    this.hcm = hcm;
    delaysInjected = hcm.counter("fault.delays_injected");
    abortsInjected = hcm.counter("fault.aborts_injected");
    faultsOverflow = hcm.counter("fault.faults_overflow");
    activeFaults = hcm.gauge("fault.active_faults");
  }

  Counter downstreamDelays(String downstreamCluster) {
    return hcm.counter("fault." + downstreamCluster + ".delays_injected");
  }

  Counter downstreamAborts(String downstreamCluster) {
    return hcm.counter("fault." + downstreamCluster + ".aborts_injected");
  }
}
