package io.wasmplane.dataplane.admin;

import io.wasmplane.dataplane.upstream.HostStats;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamHost;
import java.util.Collection;
import java.util.Set;

/**
 * /clusters in Envoy's text form: {@code cluster::key::value} lines per cluster, then per host
 * {@code cluster::ip:port::key::value}: its stats sorted by name, then hostname, health_flags, weight, locality,
 * canary, priority and the outlier detector's success rates.
 */
final class ClustersText {
  private ClustersText() {}

  static String render(Collection<UpstreamCluster> clusters, Set<String> staticNames) {
    StringBuilder sb = new StringBuilder();
    for (UpstreamCluster c : clusters) {
      String n = c.config().name();
      var l = c.config().limits();
      line(sb, n, "observability_name", n);
      c.outlierSummary().ifPresent(o -> {
        line(sb, n, "outlier::success_rate_average", rate(o.successRateAverage()));
        line(sb, n, "outlier::success_rate_ejection_threshold", rate(o.successRateEjectionThreshold()));
        line(sb, n, "outlier::local_origin_success_rate_average", rate(o.localOriginSuccessRateAverage()));
        line(sb, n, "outlier::local_origin_success_rate_ejection_threshold", rate(o.localOriginSuccessRateEjectionThreshold()));
      });
      line(sb, n, "default_priority::max_connections", l.maxConnections());
      line(sb, n, "default_priority::max_pending_requests", l.maxPendingRequests());
      line(sb, n, "default_priority::max_requests", l.maxRequests());
      line(sb, n, "default_priority::max_retries", l.maxRetries());
      line(sb, n, "added_via_api", !staticNames.contains(n));
      for (UpstreamHost h : c.hosts()) {
        host(sb, n + "::" + h.addressString(), h);
      }
    }
    return sb.toString();
  }

  private static void host(StringBuilder sb, String p, UpstreamHost h) {
    HostStats s = h.stats();
    // Envoy prints the host's counters and gauges together, sorted by name.
    line(sb, p, "cx_active", s.cxActive.value());
    line(sb, p, "cx_connect_fail", s.cxConnectFail.value());
    line(sb, p, "cx_total", s.cxTotal.value());
    line(sb, p, "rq_active", h.activeRequests());
    line(sb, p, "rq_error", s.rqError.value());
    line(sb, p, "rq_success", s.rqSuccess.value());
    line(sb, p, "rq_timeout", s.rqTimeout.value());
    line(sb, p, "rq_total", s.rqTotal.value());
    line(sb, p, "hostname", h.hostname());
    line(sb, p, "health_flags", h.health().describe());
    line(sb, p, "weight", h.weight());
    var l = h.locality();
    line(sb, p, "region", l.region());
    line(sb, p, "zone", l.zone());
    line(sb, p, "sub_zone", l.subZone());
    line(sb, p, "canary", h.canary());
    line(sb, p, "priority", h.priority());
    line(sb, p, "success_rate", rate(h.outlier().successRate()));
    line(sb, p, "local_origin_success_rate", rate(h.outlier().localOriginSuccessRate()));
  }

  /** A double as Envoy's {:g} prints it: six significant digits, no trailing zeros ("-1", "100", "66.6667"). */
  static String rate(double r) {
    return new java.math.BigDecimal(r).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
  }

  private static void line(StringBuilder sb, String prefix, String key, Object value) {
    sb.append(prefix).append("::").append(key).append("::").append(value).append('\n');
  }
}
