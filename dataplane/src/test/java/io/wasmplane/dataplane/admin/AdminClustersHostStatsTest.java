package io.wasmplane.dataplane.admin;

import static io.wasmplane.dataplane.admin.AdminTestBootstrap.admin;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.admin.v3.ClusterStatus;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.HostStatus;
import io.envoyproxy.envoy.admin.v3.SimpleMetric;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** /clusters per-host stats, counted by real requests through the data plane to a real upstream. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class AdminClustersHostStatsTest {
  private static final String ROUTES = """
      - name: all
        domains: ["*"]
        routes:
        - match: {prefix: "/dead"}
          route: {cluster: dead}
        - match: {prefix: "/rated"}
          route: {cluster: rated}
        - match: {prefix: "/tight/"}
          route: {cluster: tight, prefix_rewrite: "/"}
        - match: {prefix: "/slow"}
          route: {cluster: up, timeout: 0.3s}
        - match: {prefix: "/"}
          route: {cluster: up}
      """;
  private static final String OUTLIER = """
      outlier_detection:
        interval: 0.2s
        success_rate_minimum_hosts: 1
        success_rate_request_volume: 1
      """;

  /** A STATIC cluster whose endpoint has a locality and Envoy's canary metadata. */
  private static final String ZONED = """
        - name: zoned
          connect_timeout: 1s
          type: STATIC
          load_assignment:
            cluster_name: zoned
            endpoints:
            - locality: {region: eu-west1, zone: eu-west1-b, sub_zone: rack7}
              lb_endpoints:
              - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
                metadata: {filter_metadata: {envoy.lb: {canary: true}}}
      """;

  private static final String TIGHT = """
      circuit_breakers:
        thresholds: [{max_requests: 1}]
      """;

  @TempDir
  static Path dir;
  private TestUpstream up;
  private Dataplane dp;
  private String upHost;
  private String deadHost;

  @BeforeAll
  void start() throws Exception {
    up = new TestUpstream("up");
    int dead = Ports.freePort(); // nothing listens there: every connect is refused
    dp = Bootstraps.start(Bootstraps.bootstrap(ROUTES, "", Bootstraps.staticCluster("up", up.port(), null)
        + Bootstraps.staticCluster("dead", dead, null) + Bootstraps.staticCluster("rated", up.port(), OUTLIER)
        + ZONED.formatted(up.port()) + Bootstraps.staticCluster("tight", up.port(), TIGHT),
        dir.resolve("access.log"), ""));
    upHost = "up::127.0.0.1:" + up.port() + "::";
    deadHost = "dead::127.0.0.1:" + dead + "::";
    for (String path : List.of("/a", "/b", "/c", "/status/503", "/status/503", "/slow/1000", "/dead")) {
      get(path);
    }
  }

  @AfterAll
  void stop() {
    dp.close();
    up.close();
  }

  private int get(String path) throws Exception {
    return Http.h1().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.port("ingress") + path)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** The host's lines, key to value, in the order printed. */
  private static Map<String, String> hostLines(String text, String prefix) {
    return text.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).split("::", 2))
        .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1], (a, b) -> a, java.util.LinkedHashMap::new));
  }

  @Test
  void textPrintsEnvoysHostLinesInOrderWithCountsFromTraffic() throws Exception {
    String text = admin(dp, "GET", "/clusters").body();
    Map<String, String> h = hostLines(text, upHost);
    assertThat(h.keySet()).containsExactly("cx_active", "cx_connect_fail", "cx_total", "rq_active", "rq_error",
        "rq_success", "rq_timeout", "rq_total", "hostname", "health_flags", "weight", "region", "zone", "sub_zone",
        "canary", "priority", "success_rate", "local_origin_success_rate");
    assertThat(h).containsEntry("rq_total", "6").containsEntry("rq_success", "3")
        .containsEntry("rq_error", "3") // two 503s and the timed-out request
        .containsEntry("rq_timeout", "1").containsEntry("rq_active", "0").containsEntry("cx_connect_fail", "0")
        .containsEntry("health_flags", "healthy").containsEntry("weight", "1").containsEntry("priority", "0")
        .containsEntry("canary", "false").containsEntry("success_rate", "-1");
    assertThat(Long.parseLong(h.get("cx_total"))).isBetween(1L, 6L);
    assertThat(Long.parseLong(h.get("cx_active"))).isBetween(0L, Long.parseLong(h.get("cx_total")));

    Map<String, String> d = hostLines(text, deadHost);
    assertThat(d).containsEntry("rq_total", "1").containsEntry("rq_error", "1").containsEntry("rq_success", "0")
        .containsEntry("cx_connect_fail", "1").containsEntry("cx_total", "1").containsEntry("cx_active", "0");
    assertThat(text).contains("up::default_priority::max_retries::3\n").contains("up::added_via_api::false\n");
  }

  @Test
  void localityAndCanaryFromTheEndpoint() throws Exception {
    Map<String, String> h = hostLines(admin(dp, "GET", "/clusters").body(), "zoned::127.0.0.1:" + up.port() + "::");
    assertThat(h).containsEntry("region", "eu-west1").containsEntry("zone", "eu-west1-b").containsEntry("sub_zone", "rack7")
        .containsEntry("canary", "true");
    Clusters.Builder b = Clusters.newBuilder();
    EnvoyTypes.PARSER.merge(admin(dp, "GET", "/clusters?format=json").body(), b);
    HostStatus zoned = b.getClusterStatusesList().stream().filter(c -> c.getName().equals("zoned")).findFirst().orElseThrow()
        .getHostStatuses(0);
    assertThat(zoned.getLocality().getZone()).isEqualTo("eu-west1-b");
    assertThat(zoned.getLocality().getSubZone()).isEqualTo("rack7");
  }

  @Test
  void anOverflowedRequestNeverReachesTheHost() throws Exception {
    var slow = Http.h1().sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.port("ingress") + "/tight/slow/800"))
        .build(), HttpResponse.BodyHandlers.discarding());
    io.wasmplane.dataplane.testing.Await.until("the slow request is active", () -> admin(dp, "GET",
        "/stats?filter=%5Ecluster%5C.tight%5C.upstream_rq_active$").body().equals("cluster.tight.upstream_rq_active: 1\n"));
    assertThat(get("/tight/x")).isEqualTo(503); // max_requests: 1
    assertThat(slow.get().statusCode()).isEqualTo(200);
    Map<String, String> h = hostLines(admin(dp, "GET", "/clusters").body(), "tight::127.0.0.1:" + up.port() + "::");
    assertThat(h).containsEntry("rq_total", "1").containsEntry("rq_success", "1").containsEntry("rq_error", "0");
  }

  @Test
  void jsonCarriesTheSameStatsTyped() throws Exception {
    Clusters.Builder b = Clusters.newBuilder();
    EnvoyTypes.PARSER.merge(admin(dp, "GET", "/clusters?format=json").body(), b);
    ClusterStatus dead = b.getClusterStatusesList().stream().filter(c -> c.getName().equals("dead")).findFirst().orElseThrow();
    HostStatus h = dead.getHostStatuses(0);
    Map<String, SimpleMetric> stats = h.getStatsList().stream().collect(Collectors.toMap(SimpleMetric::getName, s -> s));
    assertThat(stats.keySet()).containsExactlyInAnyOrder("cx_active", "cx_connect_fail", "cx_total", "rq_active",
        "rq_error", "rq_success", "rq_timeout", "rq_total");
    assertThat(stats.get("cx_connect_fail").getValue()).isEqualTo(1);
    assertThat(stats.get("cx_connect_fail").getType()).isEqualTo(SimpleMetric.Type.COUNTER);
    assertThat(stats.get("rq_error").getValue()).isEqualTo(1);
    assertThat(stats.get("cx_active").getType()).isEqualTo(SimpleMetric.Type.GAUGE);
    assertThat(h.getPriority()).isZero();
    assertThat(h.hasSuccessRate()).isFalse(); // no outlier detection: Envoy leaves it out
  }

  @Test
  void successRateOfTheOutlierDetectorsLastInterval() throws Exception {
    String prefix = "rated::127.0.0.1:" + up.port() + "::";
    String text = "";
    // Traffic in every interval until one /clusters shows an interval's rates (interval 0.2 s, at most ~10 s).
    for (int i = 0; i < 200 && !(hostLines(text, prefix).get("success_rate") + hostLines(text, "rated::outlier::")
        .get("success_rate_average")).equals("100100"); i++) {
      assertThat(get("/rated/" + i)).isEqualTo(200);
      Thread.sleep(50);
      text = admin(dp, "GET", "/clusters").body();
    }
    // One host, every request a success: its rate, the cluster's mean and the threshold (mean - 1.9 x stdev 0) are 100.
    assertThat(hostLines(text, prefix)).containsEntry("success_rate", "100").containsEntry("local_origin_success_rate", "-1");
    Map<String, String> outlier = hostLines(text, "rated::outlier::");
    assertThat(outlier).containsExactly(Map.entry("success_rate_average", "100"),
        Map.entry("success_rate_ejection_threshold", "100"), Map.entry("local_origin_success_rate_average", "-1"),
        Map.entry("local_origin_success_rate_ejection_threshold", "-1"));
    // Envoy prints the outlier lines only for clusters with outlier detection, after observability_name.
    assertThat(text).doesNotContain("up::outlier::");
    assertThat(text.indexOf("rated::outlier::")).isGreaterThan(text.indexOf("rated::observability_name::"))
        .isLessThan(text.indexOf("rated::default_priority::"));
  }
}
