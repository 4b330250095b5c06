package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.HealthTestSupport.await;
import static io.wasmplane.dataplane.health.HealthTestSupport.cluster;
import static io.wasmplane.dataplane.health.HealthTestSupport.healthFlags;
import static io.wasmplane.dataplane.health.HealthTestSupport.servedBy;
import static io.wasmplane.dataplane.health.HealthTestSupport.start;
import static io.wasmplane.dataplane.health.HealthTestSupport.stat;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Degraded hosts (x-envoy-degraded on a passing HTTP check, EDS health_status DEGRADED) get traffic only as Envoy's
 * priority load gives it to them: none while the healthy hosts cover 100 % (healthy share x 1.4), the rest otherwise.
 */
@Timeout(60)
class DegradedHostTest {
  private static final String HTTP_HC = """
      common_lb_config: {healthy_panic_threshold: {value: 0}}
      health_checks:
      - timeout: 1s
        interval: 0.1s
        no_traffic_interval: 0.1s
        unhealthy_threshold: 2
        healthy_threshold: 1
        http_health_check: {path: /healthz}
      """;

  @Test
  void degradedByItsHealthCheckServesOnlyWhenTheHealthyHostsAreDown() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         TestUpstream d = new TestUpstream("d")) {
      d.healthHeaders.put("x-envoy-degraded", "");
      try (Dataplane dp = start(cluster(HTTP_HC, a.port(), b.port(), c.port(), d.port()))) {
        assertThat(healthFlags(dp, d.port())).isEqualTo("/degraded_active_hc");
        assertThat(stat(dp, "cluster.c.health_check.degraded")).isEqualTo(1);
        assertThat(stat(dp, "cluster.c.health_check.healthy")).isEqualTo(4); // degraded still passes its checks
        assertThat(stat(dp, "cluster.c.membership_degraded")).isEqualTo(1);
        assertThat(stat(dp, "cluster.c.membership_healthy")).isEqualTo(3);
        // 3 healthy of 4 x 1.4 = 105 %: the healthy hosts take all the load.
        assertThat(servedBy(dp, 12)).containsOnly("a", "b", "c");

        a.healthStatus.set(503);
        b.healthStatus.set(503);
        c.healthStatus.set(503);
        await("healthy hosts down", 5000, () -> stat(dp, "cluster.c.health_check.healthy") == 1);
        // Panic is off (threshold 0): only the degraded host is left to serve.
        assertThat(servedBy(dp, 6)).containsOnly("d");

        d.healthHeaders.clear(); // its next passing check clears the flag
        await("d no longer degraded", 5000, () -> healthFlags(dp, d.port()).equals("healthy"));
        assertThat(stat(dp, "cluster.c.health_check.degraded")).isZero();
        assertThat(stat(dp, "cluster.c.membership_degraded")).isZero();
      }
    }
  }

  @Test
  void edsDegradedTakesTheShareTheHealthyHostsCannotCover() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c")) {
      // load_assignment health_status, as EDS sends it: c is DEGRADED, next to two healthy hosts.
      String yaml = degraded(cluster("", a.port(), b.port(), c.port()), c.port());
      try (Dataplane dp = start(yaml)) {
        assertThat(healthFlags(dp, c.port())).isEqualTo("/degraded_eds_health");
        List<String> served = servedBy(dp, 12);
        // 2 of 3 healthy x 1.4 = 93 %: about 7 % to the degraded host, so a few requests at most.
        assertThat(Collections.frequency(served, "c")).isLessThanOrEqualTo(4);
      }
      try (Dataplane dp = start(degraded(cluster("", a.port(), c.port()), c.port()))) {
        // 1 of 2 healthy x 1.4 = 70 %: the degraded host takes the other 30 %.
        List<String> served = servedBy(dp, 100);
        int toC = Collections.frequency(served, "c");
        assertThat(toC).isBetween(5, 55);
        assertThat(served).containsOnly("a", "c");
        assertThat(stat(dp, "cluster.c.lb_healthy_panic")).isZero(); // healthy + degraded = 100 %: no panic
      }
    }
  }

  private static String degraded(String yaml, int port) {
    String ep = "- endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: " + port + "}}}";
    assertThat(yaml).contains(ep);
    return yaml.replace(ep, "- {endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: " + port
        + "}}}, health_status: DEGRADED}");
  }
}
