package io.wasmplane.dataplane.admin;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.admin.v3.ClusterStatus;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.HostHealthStatus;
import io.envoyproxy.envoy.admin.v3.HostStatus;
import io.envoyproxy.envoy.admin.v3.SimpleMetric;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.type.v3.Percent;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.upstream.HostHealth;
import io.wasmplane.dataplane.upstream.HostStats;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamHost;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Set;

/** /clusters?format=json: Envoy's {@code envoy.admin.v3.Clusters}, built from the live clusters and hosts. */
final class ClustersStatus {
  private ClustersStatus() {}

  /** {@code staticNames}: the bootstrap's clusters (the others came from CDS: {@code added_via_api}). */
  static Clusters build(Collection<UpstreamCluster> clusters, Set<String> staticNames) {
    Clusters.Builder out = Clusters.newBuilder();
    for (UpstreamCluster c : clusters) {
      String name = c.config().name();
      ClusterStatus.Builder s = ClusterStatus.newBuilder()
          .setName(name)
          .setObservabilityName(name)
          .setAddedViaApi(!staticNames.contains(name))
          .setCircuitBreakers(circuitBreakers(c.config().limits()));
      c.outlierSummary().ifPresent(o -> {
        // Envoy leaves a threshold out when it was not computed or came out negative.
        if (o.successRateEjectionThreshold() >= 0) {
          s.setSuccessRateEjectionThreshold(Percent.newBuilder().setValue(o.successRateEjectionThreshold()));
        }
        if (o.localOriginSuccessRateEjectionThreshold() >= 0) {
          s.setLocalOriginSuccessRateEjectionThreshold(Percent.newBuilder().setValue(o.localOriginSuccessRateEjectionThreshold()));
        }
      });
      for (UpstreamHost h : c.hosts()) {
        s.addHostStatuses(host(h));
      }
      out.addClusterStatuses(s);
    }
    return out.build();
  }

  private static CircuitBreakers circuitBreakers(ClusterConfig.CircuitBreakers l) {
    return CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
        .setMaxConnections(UInt32Value.of(l.maxConnections()))
        .setMaxPendingRequests(UInt32Value.of(l.maxPendingRequests()))
        .setMaxRequests(UInt32Value.of(l.maxRequests()))
        .setMaxRetries(UInt32Value.of(l.maxRetries()))).build();
  }

  private static HostStatus host(UpstreamHost h) {
    HostHealth health = h.health();
    HealthStatus eds = health.has(HostHealth.FAILED_EDS_HEALTH) ? HealthStatus.UNHEALTHY
        : health.has(HostHealth.DEGRADED_EDS_HEALTH) ? HealthStatus.DEGRADED : HealthStatus.HEALTHY;
    HostStats st = h.stats();
    HostStatus.Builder b = HostStatus.newBuilder()
        .setAddress(address(h.address()))
        .setHostname(h.hostname())
        .setWeight(h.weight())
        .setPriority(h.priority())
        .setLocality(locality(h.locality()))
        // Envoy's order: the host's counters, then its gauges.
        .addStats(counter("cx_connect_fail", st.cxConnectFail.value()))
        .addStats(counter("cx_total", st.cxTotal.value()))
        .addStats(counter("rq_error", st.rqError.value()))
        .addStats(counter("rq_success", st.rqSuccess.value()))
        .addStats(counter("rq_timeout", st.rqTimeout.value()))
        .addStats(counter("rq_total", st.rqTotal.value()))
        .addStats(gauge("cx_active", st.cxActive.value()))
        .addStats(gauge("rq_active", h.activeRequests()))
        .setHealthStatus(HostHealthStatus.newBuilder()
            .setFailedActiveHealthCheck(health.has(HostHealth.FAILED_ACTIVE_HC))
            .setFailedOutlierCheck(health.has(HostHealth.FAILED_OUTLIER_CHECK))
            .setFailedActiveDegradedCheck(health.has(HostHealth.DEGRADED_ACTIVE_HC))
            .setPendingActiveHc(health.has(HostHealth.PENDING_ACTIVE_HC))
            .setEdsHealthStatus(eds));
    // Envoy sets the success rates only when the outlier detector computed them in its last interval.
    if (h.outlier().successRate() >= 0) {
      b.setSuccessRate(Percent.newBuilder().setValue(h.outlier().successRate()));
    }
    if (h.outlier().localOriginSuccessRate() >= 0) {
      b.setLocalOriginSuccessRate(Percent.newBuilder().setValue(h.outlier().localOriginSuccessRate()));
    }
    return b.build();
  }

  private static SimpleMetric counter(String name, long value) {
    return SimpleMetric.newBuilder().setName(name).setType(SimpleMetric.Type.COUNTER).setValue(value).build();
  }

  private static SimpleMetric gauge(String name, long value) {
    return SimpleMetric.newBuilder().setName(name).setType(SimpleMetric.Type.GAUGE).setValue(value).build();
  }

  static io.envoyproxy.envoy.config.core.v3.Locality locality(io.wasmplane.dataplane.config.ClusterConfig.Locality l) {
    return io.envoyproxy.envoy.config.core.v3.Locality.newBuilder().setRegion(l.region()).setZone(l.zone()).setSubZone(l.subZone())
        .build();
  }

  static Address address(InetSocketAddress a) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
        .setAddress(a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString())
        .setPortValue(a.getPort())).build();
  }
}
