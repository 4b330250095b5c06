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
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
  private static final HttpClient CLIENT = Http.h1();

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

  @Test
  void maglevPicksTheLevelByTheRequestHashAndBalancesWithinIt() throws Exception {
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: c, hash_policy: [{header: {header_name: x-user}}]}
        """;
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         TestUpstream d = new TestUpstream("d")) {
      String cluster = clusterWithPriorities(HTTP_HC, new int[] {a.port(), b.port()}, new int[] {c.port(), d.port()})
          .replace("lb_policy: ROUND_ROBIN", "lb_policy: MAGLEV");
      try (Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(routes, null, cluster, Path.of("/dev/null"), null))) {
        Map<String, String> before = hostPerKey(dp);
        assertThat(before.values()).containsOnly("a", "b");

        a.healthStatus.set(503);
        await("a failed its check", 5000, () -> healthFlags(dp, a.port()).equals("/failed_active_hc"));
        // P0 70 %, P1 30 % by the key's hash: every key still sticks to one host, a gets none.
        assertThat(hostPerKey(dp).values()).doesNotContain("a").containsAnyOf("b");

        b.healthStatus.set(503);
        await("b failed its check", 5000, () -> healthFlags(dp, b.port()).equals("/failed_active_hc"));
        // P1's own table: the keys spread over c and d only.
        assertThat(hostPerKey(dp).values()).containsOnly("c", "d");
      }
    }
  }

  /** The host each of 16 keys reaches, asking twice per key: a key must reach the same host both times. */
  private static Map<String, String> hostPerKey(Dataplane dp) throws Exception {
    Map<String, String> hosts = new TreeMap<>();
    for (int k = 0; k < 16; k++) {
      String first = servedByKey(dp, "user-" + k);
      assertThat(servedByKey(dp, "user-" + k)).as("key user-" + k).isEqualTo(first);
      hosts.put("user-" + k, first);
    }
    return hosts;
  }

  private static String servedByKey(Dataplane dp, String key) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.port("ingress") + "/work")).header("x-user", key).build();
    return CLIENT.send(r, HttpResponse.BodyHandlers.ofString()).headers().firstValue("x-upstream-name").orElse("none");
  }
}
