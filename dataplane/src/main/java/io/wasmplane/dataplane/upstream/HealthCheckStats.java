package io.wasmplane.dataplane.upstream;

import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;
import io.wasmplane.dataplane.stats.StatsRegistry;

/** Envoy's cluster.&lt;name&gt;.health_check.* stats. */
final class HealthCheckStats {
  final Counter attempt;
  final Counter success;
  final Counter failure;
  final Counter networkFailure;
  final Counter passiveFailure;
  final Counter verifyCluster;
  final Gauge healthy;
  final Gauge degraded;

  HealthCheckStats(StatsRegistry r, String cluster) {
    String p = "cluster." + cluster + ".health_check.";
    attempt = r.counter(p + "attempt");
    success = r.counter(p + "success");
    failure = r.counter(p + "failure");
    networkFailure = r.counter(p + "network_failure");
    passiveFailure = r.counter(p + "passive_failure"); // outlier-triggered HC failures: never, as without an HC per outlier event
    verifyCluster = r.counter(p + "verify_cluster"); // service_name_matcher is refused, so never
    healthy = r.gauge(p + "healthy");
    degraded = r.gauge(p + "degraded"); // degraded hosts are not implemented: stays 0
  }
}
