package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.HealthTestSupport.admin;
import static io.wasmplane.dataplane.health.HealthTestSupport.servedBy;
import static io.wasmplane.dataplane.health.HealthTestSupport.start;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Locality weighted load balancing (common_lb_config.locality_weighted_lb_config) through real sockets: a locality is
 * picked by its load_balancing_weight, scaled down by its overprovisioned health, then a host within it by the
 * cluster's lb_policy; localities without a weight get nothing; without the config the weights are ignored. The
 * locality pick is deterministic (a low-discrepancy sequence), so counts over N requests sit within a few of N x share.
 */
@Timeout(60)
class LocalityWeightedLbTest {
  private static final int N = 1000;
  private static final String WEIGHTED = "common_lb_config: {locality_weighted_lb_config: {}}";

  /** One locality of {@link #cluster}: its zone, its weight (null: unset), and its hosts (port, EDS health status). */
  record Zone(String name, Long weight, Map<Integer, String> hosts) {
    static Zone of(String name, long weight, int... ports) {
      return withWeight(name, weight, ports);
    }

    /** A locality without load_balancing_weight. */
    static Zone unweighted(String name, int... ports) {
      return withWeight(name, null, ports);
    }

    private static Zone withWeight(String name, Long weight, int... ports) {
      Map<Integer, String> h = new java.util.LinkedHashMap<>();
      for (int p : ports) {
        h.put(p, "HEALTHY");
      }
      return new Zone(name, weight, h);
    }

    Zone unhealthy(int port) {
      Map<Integer, String> h = new java.util.LinkedHashMap<>(hosts);
      h.put(port, "UNHEALTHY");
      return new Zone(name, weight, h);
    }
  }

  /** Cluster "c" (STATIC) with lb_policy and extra YAML, one LocalityLbEndpoints per zone at priority 0. */
  static String cluster(String lbPolicy, String extra, Zone... zones) {
    StringBuilder localities = new StringBuilder();
    for (Zone z : zones) {
      localities.append("      - locality: {region: r, zone: ").append(z.name()).append("}\n");
      if (z.weight() != null) {
        localities.append("        load_balancing_weight: ").append(z.weight()).append("\n");
      }
      localities.append("        lb_endpoints:\n");
      z.hosts().forEach((port, health) -> localities.append("        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ")
          .append(port).append("}}}\n          health_status: ").append(health).append("\n"));
    }
    return """
          - name: c
            connect_timeout: 1s
            type: STATIC
            lb_policy: %s
        %s
            load_assignment:
              cluster_name: c
              endpoints:
        %s""".formatted(lbPolicy, Bootstraps.indent(extra, 4), localities);
  }

  static Map<String, Long> count(List<String> servedBy) {
    return servedBy.stream().collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
  }

  /**
   * Who served each of n requests, sent by 8 clients at once: the locality picks (each worker's own sequence), each
   * locality's round robin and the weighted schedules (one per worker) are deterministic, so the counts stay within a
   * few picks per worker of their shares whatever order the requests arrive in.
   */
  static Map<String, Long> split(Dataplane dp, int n) throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<List<String>>> parts = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int share = n / 8 + (i < n % 8 ? 1 : 0);
        parts.add(pool.submit(() -> servedBy(dp, share)));
      }
      List<String> all = new java.util.ArrayList<>();
      for (var p : parts) {
        all.addAll(p.get(30, java.util.concurrent.TimeUnit.SECONDS));
      }
      return count(all);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void localitiesTakeTrafficByWeightAndRoundRobinWithinAndUnweightedLocalitiesNone() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         TestUpstream d = new TestUpstream("d");
         Dataplane dp = start(cluster("ROUND_ROBIN", WEIGHTED, Zone.of("x", 1, a.port()), Zone.of("y", 3, b.port(), c.port()),
             Zone.unweighted("z", d.port())))) {
      Map<String, Long> split = split(dp, N);
      assertThat(split).containsOnlyKeys("a", "b", "c"); // z has no weight: no traffic
      assertThat(split.get("a")).isBetween(245L, 255L); // 1/4 of N
      assertThat(split.get("b") + split.get("c")).isBetween(745L, 755L); // 3/4 of N ...
      assertThat(Math.abs(split.get("b") - split.get("c"))).isLessThanOrEqualTo(1); // ... round robin within y
      assertThat(admin(dp, "/clusters")).contains("c::127.0.0.1:" + d.port() + "::health_flags::healthy",
          "c::127.0.0.1:" + b.port() + "::region::r", "c::127.0.0.1:" + b.port() + "::zone::y",
          "c::127.0.0.1:" + b.port() + "::sub_zone::\n");
      assertThat(admin(dp, "/clusters?format=json").replaceAll("\\s+", "")).contains("\"locality\":{\"region\":\"r\",\"zone\":\"z\"}");
    }
  }

  @Test
  void withoutTheConfigLocalityWeightsAreIgnored() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         Dataplane dp = start(cluster("ROUND_ROBIN", "", Zone.of("x", 1, a.port()), Zone.of("y", 8, b.port()), Zone.unweighted("z", c.port())))) {
      assertThat(split(dp, 300)).isEqualTo(Map.of("a", 100L, "b", 100L, "c", 100L));
    }
  }

  @Test
  void unhealthyHostsShrinkTheirLocalitysShareByTheOverprovisionedHealth() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         TestUpstream d = new TestUpstream("d"); TestUpstream e = new TestUpstream("e")) {
      // Envoy's documented example: X weight 1 with half its hosts healthy, Y weight 2 fully healthy:
      // X = 1 x min(1, 1.4 x 1/2) = 0.7, Y = 2: X takes 0.7 / 2.7 = 25.9 %, Y 74.1 %.
      Zone x = Zone.of("x", 1, a.port(), b.port()).unhealthy(b.port());
      try (Dataplane dp = start(cluster("LEAST_REQUEST", WEIGHTED, x, Zone.of("y", 2, c.port(), d.port())))) {
        Map<String, Long> split = split(dp, 500);
        assertThat(split).doesNotContainKey("b");
        assertThat(split.get("a")).isBetween(125L, 134L); // 129.6
        assertThat(split.get("c") + split.get("d")).isBetween(366L, 375L);
      }
      // A locality with no healthy host gets none; 3 of 4 healthy x 1.4 >= 1 keeps Y's full weight.
      Zone y = Zone.of("y", 2, b.port(), c.port(), d.port(), e.port()).unhealthy(e.port());
      try (Dataplane dp = start(cluster("RANDOM", WEIGHTED, Zone.of("x", 1, a.port()).unhealthy(a.port()), y))) {
        assertThat(count(servedBy(dp, 60))).containsOnlyKeys("b", "c", "d");
      }
    }
  }

  @Test
  void withoutAnyLocalityWeightEveryHealthyHostTakesTraffic() throws Exception {
    // Envoy: no locality has an effective weight, so the level balances as without locality weighting.
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         Dataplane dp = start(cluster("ROUND_ROBIN", WEIGHTED, Zone.unweighted("x", a.port()), Zone.unweighted("y", b.port())))) {
      assertThat(split(dp, 100)).isEqualTo(Map.of("a", 50L, "b", 50L));
    }
  }

  @Test
  void ringHashGivesLocalitiesTheirWeightsShareOfTheKeys() throws Exception {
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: c, hash_policy: [{header: {header_name: x-user}}]}
        """;
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(routes, null, cluster("RING_HASH", WEIGHTED, Zone.of("x", 1, a.port()),
             Zone.of("y", 3, b.port()), Zone.unweighted("z", c.port())), java.nio.file.Path.of("/dev/null"), null))) {
      java.net.http.HttpClient client = io.wasmplane.dataplane.testing.Http.h1();
      List<java.util.concurrent.CompletableFuture<String>> answers = new java.util.ArrayList<>();
      for (int u = 0; u < 200; u++) { // asynchronously, a few at a time: the key, not the order, picks the host
        answers.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + dp.port("ingress") + "/"))
            .header("x-user", "user-" + u).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
            .thenApply(r -> r.headers().firstValue("x-upstream-name").orElse("status:" + r.statusCode())));
        if (answers.size() % 8 == 0) {
          java.util.concurrent.CompletableFuture.allOf(answers.toArray(java.util.concurrent.CompletableFuture[]::new))
              .get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
      }
      Map<String, Long> split = new TreeMap<>();
      for (var answer : answers) {
        split.merge(answer.get(30, java.util.concurrent.TimeUnit.SECONDS), 1L, Long::sum);
      }
      assertThat(split).containsOnlyKeys("a", "b"); // z has no weight: no ring entries
      assertThat(split.get("a")).isBetween(25L, 75L); // 1/4 of the keys: 50
    }
  }
}
