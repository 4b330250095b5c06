package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.HealthTestSupport.await;
import static io.wasmplane.dataplane.health.HealthTestSupport.cluster;
import static io.wasmplane.dataplane.health.HealthTestSupport.healthFlags;
import static io.wasmplane.dataplane.health.HealthTestSupport.servedBy;
import static io.wasmplane.dataplane.health.HealthTestSupport.start;
import static io.wasmplane.dataplane.health.HealthTestSupport.stat;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawHttp;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Envoy's outlier detection fed by the router's real upstream results: 5xx answers, refused connections. */
@Timeout(60)
class OutlierDetectionTest {

  @Test
  void consecutive5xxEjectsAndTheEjectionGrowsWithEachEjection() throws Exception {
    String od = """
        outlier_detection:
          consecutive_5xx: 3
          interval: 0.5s
          base_ejection_time: 0.5s
          max_ejection_percent: 50
        """;
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         Dataplane dp = start(cluster(od, a.port(), b.port()))) {
      b.forceStatus.set(503);
      // Round robin: every second request meets b; its third 503 in a row ejects it.
      List<String> first = servedBy(dp, 6);
      assertThat(first).containsExactlyInAnyOrder("a", "a", "a", "b", "b", "b");
      await("b ejected", 2000, () -> healthFlags(dp, b.port()).equals("/failed_outlier_check"));
      long ejectedAt = System.nanoTime();
      assertThat(servedBy(dp, 6)).containsOnly("a");
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_active")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_enforced_total")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_enforced_consecutive_5xx")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_detected_consecutive_5xx")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_total")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.upstream_rq_503")).isEqualTo(3);

      // Back after base_ejection_time (checked at the interval), still failing: ejected again within one interval (before
      // the multiplier decays), for twice as long.
      await("b back", 3000, () -> healthFlags(dp, b.port()).equals("healthy"));
      long firstEjectionMs = (System.nanoTime() - ejectedAt) / 1_000_000;
      assertThat(firstEjectionMs).isGreaterThanOrEqualTo(450);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_active")).isZero();
      for (int i = 0; i < 20 && !healthFlags(dp, b.port()).equals("/failed_outlier_check"); i++) {
        servedBy(dp, 1);
      }
      assertThat(healthFlags(dp, b.port())).isEqualTo("/failed_outlier_check");
      long secondAt = System.nanoTime();
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_enforced_consecutive_5xx")).isEqualTo(2);
      b.forceStatus.set(0);
      await("b back again", 5000, () -> healthFlags(dp, b.port()).equals("healthy"));
      assertThat((System.nanoTime() - secondAt) / 1_000_000).isGreaterThanOrEqualTo(950);
      assertThat(servedBy(dp, 4)).contains("a", "b");
    }
  }

  @Test
  void localOriginFailuresAreCountedApartWhenSplit() throws Exception {
    int dead = RawHttp.freePort();
    String od = """
        outlier_detection:
          split_external_local_origin_errors: true
          consecutive_local_origin_failure: 2
          interval: 1s
          base_ejection_time: 30s
          max_ejection_percent: 50
        """;
    try (TestUpstream a = new TestUpstream("a"); Dataplane dp = start(cluster(od, a.port(), dead))) {
      // Two refused connections (503 UF to the client) eject the dead host; then only a serves.
      List<String> served = servedBy(dp, 4);
      assertThat(served).containsExactlyInAnyOrder("a", "a", "status:503", "status:503");
      await("dead ejected", 2000, () -> healthFlags(dp, dead).equals("/failed_outlier_check"));
      assertThat(servedBy(dp, 6)).containsOnly("a");
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_enforced_consecutive_local_origin_failure")).isEqualTo(1);
      // Split: connection failures are not 5xx responses.
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_detected_consecutive_5xx")).isZero();
    }
  }

  @Test
  void maxEjectionPercentLimitsEjections() throws Exception {
    // Envoy's default max_ejection_percent is 10: ejecting one of two hosts (50 %) overflows and nothing is ejected.
    String od = """
        outlier_detection: {consecutive_5xx: 2, interval: 0.1s}
        """;
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         Dataplane dp = start(cluster(od, a.port(), b.port()))) {
      b.forceStatus.set(500);
      servedBy(dp, 4);
      await("overflow counted", 2000, () -> stat(dp, "cluster.c.outlier_detection.ejections_overflow") == 1);
      assertThat(healthFlags(dp, b.port())).isEqualTo("healthy");
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_active")).isZero();
      assertThat(servedBy(dp, 2)).containsExactlyInAnyOrder("a", "b");
    }
  }

  @Test
  void gatewayFailuresEjectOnlyWhenEnforced() throws Exception {
    String od = """
        outlier_detection:
          consecutive_5xx: 100
          consecutive_gateway_failure: 2
          enforcing_consecutive_gateway_failure: 100
          interval: 1s
          base_ejection_time: 30s
          max_ejection_percent: 100
        """;
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         Dataplane dp = start(cluster(od, a.port(), b.port()))) {
      b.forceStatus.set(502);
      servedBy(dp, 4);
      await("b ejected", 2000, () -> healthFlags(dp, b.port()).equals("/failed_outlier_check"));
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_enforced_consecutive_gateway_failure")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_detected_consecutive_gateway_failure")).isEqualTo(1);
      assertThat(servedBy(dp, 4)).containsOnly("a");
    }
  }

  @Test
  void aPassingActiveHealthCheckEndsAnEjection() throws Exception {
    // successful_active_health_check_uneject_host (default true): /healthz keeps passing, so the 30 s ejection ends at
    // the next check.
    String both = """
        outlier_detection: {consecutive_5xx: 2, interval: 10s, base_ejection_time: 30s, max_ejection_percent: 100}
        health_checks:
        - {timeout: 1s, interval: 0.3s, no_traffic_interval: 0.3s, unhealthy_threshold: 2, healthy_threshold: 1, http_health_check: {path: /healthz}}
        """;
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         Dataplane dp = start(cluster(both, a.port(), b.port()))) {
      b.forceStatus.set(500);
      for (int i = 0; i < 20 && stat(dp, "cluster.c.outlier_detection.ejections_enforced_consecutive_5xx") == 0; i++) {
        servedBy(dp, 1);
      }
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_enforced_consecutive_5xx")).isEqualTo(1);
      b.forceStatus.set(0);
      // Only a health check can end it this soon: the outlier interval is 10 s and the ejection 30 s.
      await("unejected by a passing check", 3000, () -> healthFlags(dp, b.port()).equals("healthy"));
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_active")).isZero();
    }
  }

  @Test
  void successRateEjectsTheHostFarBelowTheOthers() throws Exception {
    statisticalEjection("""
        success_rate_minimum_hosts: 3
        success_rate_request_volume: 5
        success_rate_stdev_factor: 1000
        """, "success_rate");
  }

  @Test
  void failurePercentageEjectsWhenEnforced() throws Exception {
    statisticalEjection("""
        enforcing_success_rate: 0
        enforcing_failure_percentage: 100
        failure_percentage_minimum_hosts: 3
        failure_percentage_request_volume: 5
        """, "failure_percentage");
  }

  /** Three hosts, c fails every request; only the statistical detector named {@code type} can eject it. */
  private void statisticalEjection(String fields, String type) throws Exception {
    String od = """
        outlier_detection:
          consecutive_5xx: 100000
          interval: 0.3s
          base_ejection_time: 30s
          max_ejection_percent: 100
        """ + Bootstraps.indent(fields, 2) + "\n";
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         Dataplane dp = start(cluster(od, a.port(), b.port(), c.port()))) {
      c.forceStatus.set(500);
      for (int i = 0; i < 40 && !healthFlags(dp, c.port()).equals("/failed_outlier_check"); i++) {
        servedBy(dp, 6);
      }
      assertThat(healthFlags(dp, c.port())).isEqualTo("/failed_outlier_check");
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_enforced_" + type)).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_detected_" + type)).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_enforced_consecutive_5xx")).isZero();
      assertThat(servedBy(dp, 6)).containsOnly("a", "b");
    }
  }
}
