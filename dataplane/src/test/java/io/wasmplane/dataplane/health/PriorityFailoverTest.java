package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.HealthTestSupport.admin;
import static io.wasmplane.dataplane.health.HealthTestSupport.await;
import static io.wasmplane.dataplane.health.HealthTestSupport.clusterWithPriorities;
import static io.wasmplane.dataplane.health.HealthTestSupport.healthFlags;
import static io.wasmplane.dataplane.health.HealthTestSupport.servedBy;
import static io.wasmplane.dataplane.health.HealthTestSupport.start;
import static io.wasmplane.dataplane.health.HealthTestSupport.stat;
import static io.wasmplane.dataplane.health.HealthTestSupport.withLoadAssignmentPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Envoy's priority levels (LocalityLbEndpoints.priority) through real sockets: P0 takes all the traffic while healthy
 * enough, P1 takes what P0's overprovisioned health cannot cover once active health checks or outlier ejection take P0
 * hosts out, and the traffic goes back when they recover.
 */
@Timeout(60)
class PriorityFailoverTest {
  private static final String HTTP_HC = """
      health_checks:
      - timeout: 1s
        interval: 0.1s
        no_traffic_interval: 0.1s
        unhealthy_threshold: 1
        healthy_threshold: 1
        http_health_check: {path: /healthz}
      """;
  /** Requests sent to measure a split; the tolerances below are about 4 standard deviations of a binomial count. */
  private static final int N = 100;

  @Test
  void failingHealthChecksMoveP0TrafficToP1AsTheOverprovisionedHealthSaysAndBack() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         TestUpstream d = new TestUpstream("d");
         Dataplane dp = start(clusterWithPriorities(HTTP_HC, new int[] {a.port(), b.port()}, new int[] {c.port(), d.port()}))) {
      String clusters = admin(dp, "/clusters");
      assertThat(clusters).contains("c::127.0.0.1:" + a.port() + "::priority::0", "c::127.0.0.1:" + c.port() + "::priority::1");
      assertThat(servedBy(dp, 20)).containsOnly("a", "b");

      b.healthStatus.set(503);
      await("b failed its check", 5000, () -> healthFlags(dp, b.port()).equals("/failed_active_hc"));
      // P0: 1 of 2 healthy x 1.4 = 70 %; P1 (fully healthy) takes the other 30 %. No panic: P0 + P1 cover 100 %.
      List<String> split = servedBy(dp, N);
      long toP1 = split.stream().filter(s -> s.equals("c") || s.equals("d")).count();
      assertThat(split).containsOnly("a", "c", "d");
      assertThat(toP1).isBetween(12L, 48L); // expected 30 of 100
      assertThat(stat(dp, "cluster.c.lb_healthy_panic")).isZero();
      assertThat(stat(dp, "cluster.c.membership_healthy")).isEqualTo(3);

      a.healthStatus.set(503);
      await("a failed its check", 5000, () -> healthFlags(dp, a.port()).equals("/failed_active_hc"));
      assertThat(servedBy(dp, 20)).containsOnly("c", "d");

      a.healthStatus.set(200);
      b.healthStatus.set(200);
      await("P0 healthy again", 5000,
          () -> healthFlags(dp, a.port()).equals("healthy") && healthFlags(dp, b.port()).equals("healthy"));
      assertThat(servedBy(dp, 20)).containsOnly("a", "b");
    }
  }

  @Test
  void outlierEjectionFailsOverToP1() throws Exception {
    String od = """
        outlier_detection:
          consecutive_5xx: 2
          interval: 0.2s
          base_ejection_time: 30s
          max_ejection_percent: 100
        """;
    try (TestUpstream a = new TestUpstream("a"); TestUpstream c = new TestUpstream("c");
         Dataplane dp = start(clusterWithPriorities(od, new int[] {a.port()}, new int[] {c.port()}))) {
      assertThat(servedBy(dp, 5)).containsOnly("a");
      a.forceStatus.set(503);
      assertThat(servedBy(dp, 2)).containsOnly("a"); // its second 5xx in a row ejects it
      await("a ejected", 2000, () -> healthFlags(dp, a.port()).equals("/failed_outlier_check"));
      assertThat(servedBy(dp, 10)).containsOnly("c"); // P0 has no healthy host: all to P1, no panic
      assertThat(stat(dp, "cluster.c.lb_healthy_panic")).isZero();
    }
  }

  @Test
  void aLevelShortOfHostsPanicsWhenAllLevelsTogetherCannotCoverTheLoad() throws Exception {
    // overprovisioning_factor 100 (1.0): P0 1 of 4 healthy = health 25 and 25 % usable (under the 50 % panic
    // threshold); P1 1 of 2 healthy = health 50, 50 % usable (not under). Together 75 % < 100 %: loads are normalized
    // (P0 25/75 = 33 % + the 1 % rounding, P1 66 %), and P0 balances over all its hosts, failed ones included.
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         TestUpstream d = new TestUpstream("d"); TestUpstream e = new TestUpstream("e"); TestUpstream f = new TestUpstream("f")) {
      String yaml = withLoadAssignmentPolicy(clusterWithPriorities(HTTP_HC, new int[] {a.port(), b.port(), c.port(), d.port()},
          new int[] {e.port(), f.port()}), "{overprovisioning_factor: 100}");
      try (Dataplane dp = start(yaml)) {
        assertThat(servedBy(dp, 12)).containsOnly("a", "b", "c", "d");
        for (TestUpstream u : List.of(b, c, d, f)) {
          u.healthStatus.set(503);
        }
        await("b, c, d, f failed", 5000, () -> stat(dp, "cluster.c.membership_healthy") == 2);
        List<String> served = servedBy(dp, N);
        long toP1 = served.stream().filter("e"::equals).count();
        assertThat(served).doesNotContain("f");
        assertThat(served).contains("b", "c", "d"); // P0 in panic: its failed hosts get traffic
        assertThat(toP1).isBetween(45L, 87L); // expected 66 of 100
        assertThat(stat(dp, "cluster.c.lb_healthy_panic")).isEqualTo(N - toP1);
      }
    }
  }
}
