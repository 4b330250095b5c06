package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.HealthTestSupport.await;
import static io.wasmplane.dataplane.health.HealthTestSupport.cluster;
import static io.wasmplane.dataplane.health.HealthTestSupport.ejectionMillis;
import static io.wasmplane.dataplane.health.HealthTestSupport.healthFlags;
import static io.wasmplane.dataplane.health.HealthTestSupport.servedBy;
import static io.wasmplane.dataplane.health.HealthTestSupport.start;
import static io.wasmplane.dataplane.health.HealthTestSupport.stat;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.RawHttp;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Envoy's outlier detection fed by the router's real upstream results: 5xx answers, refused connections. */
@Timeout(60)
class OutlierDetectionTest {

  @Test
  void consecutive5xxEjectsAndTheEjectedHostGetsNoTraffic() throws Exception {
    // A 30 s ejection: every check below runs while b is still ejected, however slow the machine.
    String od = """
        outlier_detection:
          consecutive_5xx: 3
          interval: 1s
          base_ejection_time: 30s
          max_ejection_percent: 50
        """;
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         Dataplane dp = start(cluster(od, a.port(), b.port()))) {
      b.forceStatus.set(503);
      // Round robin: every second request meets b; its third 503 in a row ejects it.
      List<String> first = servedBy(dp, 6);
      assertThat(first).containsExactlyInAnyOrder("a", "a", "a", "b", "b", "b");
      await("b ejected", 5000, () -> healthFlags(dp, b.port()).equals("/failed_outlier_check"));
      assertThat(servedBy(dp, 6)).containsOnly("a");
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_active")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_enforced_total")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_enforced_consecutive_5xx")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_detected_consecutive_5xx")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_total")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.upstream_rq_503")).isEqualTo(3);
    }
  }

  @Test
  void theEjectionGrowsWithEachEjection() throws Exception {
    // One 5xx ejects, so b is ejected again on its first request after coming back: well within the interval that
    // would decay the multiplier. Ejections end at an interval tick: the first lasts 1-1.5 s, the second 2-2.5 s (1-1.5 s
    // if it did not grow).
    String od = """
        outlier_detection:
          consecutive_5xx: 1
          interval: 0.5s
          base_ejection_time: 1s
          max_ejection_percent: 50
        """;
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         Dataplane dp = start(cluster(od, a.port(), b.port()))) {
      b.forceStatus.set(503);
      assertThat(servedBy(dp, 2)).containsExactlyInAnyOrder("a", "b");
      long firstMs = ejectionMillis(dp, b.port(), 5000);
      assertThat(firstMs).as("first ejection (ms, at least)").isGreaterThanOrEqualTo(700);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_active")).isZero();
      for (int i = 0; i < 10 && !healthFlags(dp, b.port()).equals("/failed_outlier_check"); i++) {
        servedBy(dp, 1);
      }
      long secondMs = ejectionMillis(dp, b.port(), 8000);
      assertThat(secondMs).as("second ejection (ms, at least): twice the base").isGreaterThanOrEqualTo(1700);
      assertThat(stat(dp, "cluster.c.outlier_detection.ejections_enforced_consecutive_5xx")).isEqualTo(2);
      b.forceStatus.set(0);
      assertThat(servedBy(dp, 4)).contains("a", "b");
    }
  }

  @Test
  void localOriginFailuresAreCountedApartWhenSplit() throws Exception {
    int dead = Ports.freePort();
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
        success_rate_request_volume: 3
        success_rate_stdev_factor: 1000
        """, "success_rate");
  }

  @Test
  void failurePercentageEjectsWhenEnforced() throws Exception {
    statisticalEjection("""
        enforcing_success_rate: 0
        enforcing_failure_percentage: 100
        failure_percentage_minimum_hosts: 3
        failure_percentage_request_volume: 3
        """, "failure_percentage");
  }

  /**
   * Three hosts, c fails every request; only the statistical detector named {@code type} can eject it. Each host needs
   * its request volume within one interval: 9 requests in 1 s, which a loaded machine still makes.
   */
  private void statisticalEjection(String fields, String type) throws Exception {
    String od = """
        outlier_detection:
          consecutive_5xx: 100000
          interval: 1s
          base_ejection_time: 30s
          max_ejection_percent: 100
        """ + Bootstraps.indent(fields, 2) + "\n";
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         Dataplane dp = start(cluster(od, a.port(), b.port(), c.port()))) {
      c.forceStatus.set(500);
      for (int i = 0; i < 30 && !healthFlags(dp, c.port()).equals("/failed_outlier_check"); i++) {
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
