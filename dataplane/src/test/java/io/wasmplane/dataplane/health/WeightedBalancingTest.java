package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.LocalityWeightedLbTest.split;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Endpoint load_balancing_weight with ROUND_ROBIN and LEAST_REQUEST through real sockets, as Envoy balances them:
 * an EDF schedule per worker (exact in every cycle of the weights, so the counts below sit within a few picks of their
 * shares whatever the order requests arrive in), unhealthy hosts out of it, weights within weighted localities,
 * LocalityLbEndpoints of one locality merged, and least request scaling a weight down by the host's active requests.
 */
@Timeout(60)
class WeightedBalancingTest {
  private static final String WEIGHTED = "common_lb_config: {locality_weighted_lb_config: {}}";

  /** An lb_endpoint on 127.0.0.1:port with a load_balancing_weight and an EDS health status. */
  private static String host(int port, int weight, String health) {
    return "        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: " + port + "}}}\n"
        + "          load_balancing_weight: " + weight + "\n          health_status: " + health + "\n";
  }

  private static String host(int port, int weight) {
    return host(port, weight, "HEALTHY");
  }

  /** A LocalityLbEndpoints in zone {@code zone} (locality weight: null for unset) with the given lb_endpoints. */
  private static String locality(String zone, Integer weight, String... hosts) {
    return "      - locality: {region: r, zone: " + zone + "}\n"
        + (weight == null ? "" : "        load_balancing_weight: " + weight + "\n")
        + "        lb_endpoints:\n" + String.join("", hosts);
  }

  /** Cluster "c" (STATIC) with lb_policy, extra cluster YAML and the given localities. */
  private static String cluster(String lbPolicy, String extra, String... localities) {
    return """
          - name: c
            connect_timeout: 1s
            type: STATIC
            lb_policy: %s
        %s
            load_assignment:
              cluster_name: c
              endpoints:
        %s""".formatted(lbPolicy, Bootstraps.indent(extra, 4), String.join("", localities));
  }

  @Test
  void roundRobinSplitsOneToThreeAndAnUnhealthyHostLeavesTheSchedule() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         Dataplane dp = HealthTestSupport.start(cluster("ROUND_ROBIN", "",
             locality("x", null, host(a.port(), 1), host(b.port(), 3), host(c.port(), 2, "UNHEALTHY"))))) {
      Map<String, Long> split = split(dp, 1000);
      assertThat(split).containsOnlyKeys("a", "b");
      assertThat(split.get("a")).isBetween(240L, 260L); // 1/4: two workers, each exact to a pick per cycle of 4
      assertThat(HealthTestSupport.admin(dp, "/clusters")).contains("c::127.0.0.1:" + b.port() + "::weight::3");
    }
  }

  @Test
  void weightsBalanceWithinAWeightedLocality() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         Dataplane dp = HealthTestSupport.start(cluster("ROUND_ROBIN", WEIGHTED,
             locality("x", 1, host(a.port(), 1)), locality("y", 1, host(b.port(), 1), host(c.port(), 3))))) {
      Map<String, Long> split = split(dp, 400);
      assertThat(split.get("a")).isBetween(194L, 206L); // x: 1/2
      assertThat(split.get("b")).isBetween(44L, 56L); // y: 1/2, of which b 1/4
      assertThat(split.get("c")).isBetween(144L, 156L);
    }
  }

  @Test
  void localityLbEndpointsOfOneLocalityAreMergedWithTheLastWeightSet() throws Exception {
    // Envoy groups hosts by locality: x = {a, c} with weight 2 (the last one set), y = {b} with 1. Kept apart, the
    // groups would split 1:1:2 instead.
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b"); TestUpstream c = new TestUpstream("c");
         Dataplane dp = HealthTestSupport.start(cluster("ROUND_ROBIN", WEIGHTED,
             locality("x", 1, host(a.port(), 1)), locality("y", 1, host(b.port(), 1)), locality("x", 2, host(c.port(), 1))))) {
      Map<String, Long> split = split(dp, 300);
      assertThat(split.get("b")).isBetween(95L, 105L); // y: 1/3
      assertThat(split.get("a")).isBetween(95L, 105L); // x: 2/3, round robin over a and c
      assertThat(split.get("c")).isBetween(95L, 105L);
    }
  }

  @Test
  void leastRequestScalesAWeightDownByTheHostsActiveRequests() throws Exception {
    // b weighs 3, a 1; b holds every request it gets, so its active requests grow and its weight 3 / (active + 1)
    // falls below a's: a takes about half of 12 requests where its weight alone (round robin) gives it exactly 3.
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b")) {
      b.delayMillis.set(20_000);
      String yaml = Bootstraps.bootstrap(HealthTestSupport.ROUTES, null,
          cluster("LEAST_REQUEST", "", locality("x", null, host(a.port(), 1), host(b.port(), 3))), Path.of("/dev/null"), null);
      try (Dataplane dp = Dataplane.start(BootstrapLoader.fromText(yaml, "test"),
          Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofMillis(200)))) {
        HttpClient client = Http.h1();
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < 12; i++) { // one at a time: each either answered by a or held by b before the next
          int heldBefore = b.requests.get();
          CompletableFuture<HttpResponse<String>> f = client.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.port("ingress") + "/work")).build(),
              HttpResponse.BodyHandlers.ofString());
          Await.until("request " + i + " answered by a or held by b", () -> f.isDone() || b.requests.get() > heldBefore);
          if (f.isDone()) {
            assertThat(f.get().headers().firstValue("x-upstream-name")).hasValue("a");
          } else {
            held.add(f);
          }
        }
        assertThat(a.requests.get()).isBetween(5, 9);
        assertThat(b.requests.get()).isEqualTo(held.size()).isBetween(3, 7);
        held.forEach(f -> f.cancel(true));
      }
    }
  }
}
