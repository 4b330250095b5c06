package io.wasmplane.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.HealthConfig;
import io.wasmplane.dataplane.config.Http2Options;
import io.wasmplane.dataplane.config.TransportSocketMatch;
import io.wasmplane.dataplane.server.Transport;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pickers through {@link UpstreamCluster#chooseHost()}: weighted shares per priority level, a failed host out of
 * the schedule, least request's choice_count, and per-worker scheduler state.
 */
class HostPickerTest {
  private static ClusterConfig.EndpointAddress endpoint(int i, int weight, int priority, boolean failed) {
    return new ClusterConfig.EndpointAddress("10.0.0." + i, 8080, failed, false, weight, TransportSocketMatch.HostLabels.NONE, priority);
  }

  static UpstreamCluster cluster(ClusterConfig.LbPolicy policy, ClusterConfig.LeastRequestLbConfig lr,
      List<ClusterConfig.EndpointAddress> endpoints) {
    ClusterConfig config = new ClusterConfig("c", ClusterConfig.DiscoveryType.STATIC, policy, Duration.ofSeconds(1), endpoints,
        ClusterConfig.UpstreamProtocol.HTTP1, Optional.empty(), ClusterConfig.CircuitBreakers.DEFAULT, Duration.ofSeconds(5),
        Duration.ofHours(1), HealthConfig.DEFAULT, ClusterConfig.HashLbConfig.DEFAULT, List.of(), List.of(),
        ClusterConfig.DEFAULT_OVERPROVISIONING_FACTOR, Http2Options.DEFAULT, false, lr);
    return new UpstreamCluster(config, new StatsRegistry(), Transport.best(), null, () -> null);
  }

  private static Map<UpstreamHost, Integer> picks(UpstreamCluster c, int n) {
    Map<UpstreamHost, Integer> count = new IdentityHashMap<>();
    for (int i = 0; i < n; i++) {
      count.merge(c.chooseHost(), 1, Integer::sum);
    }
    return count;
  }

  @Test
  void weightedRoundRobinKeepsToTheHealthyHostsOfTheFirstLevel() {
    UpstreamCluster c = cluster(ClusterConfig.LbPolicy.ROUND_ROBIN, ClusterConfig.LeastRequestLbConfig.DEFAULT,
        List.of(endpoint(1, 1, 0, false), endpoint(2, 5, 0, false), endpoint(3, 2, 0, false), endpoint(4, 9, 0, true),
            endpoint(5, 7, 1, false)));
    List<UpstreamHost> h = c.hosts();
    Map<UpstreamHost, Integer> count = picks(c, 8000); // one thread: exact shares 1:5:2 per cycle of 8
    assertThat(count).containsOnlyKeys(h.get(0), h.get(1), h.get(2)); // P0 is healthy enough: P1 takes nothing
    assertThat(count.get(h.get(0))).isBetween(999, 1001);
    assertThat(count.get(h.get(1))).isBetween(4999, 5001);
    assertThat(count.get(h.get(2))).isBetween(1999, 2001);
  }

  @Test
  void weightedLeastRequestAvoidsABusyHost() {
    UpstreamCluster c = cluster(ClusterConfig.LbPolicy.LEAST_REQUEST, ClusterConfig.LeastRequestLbConfig.DEFAULT,
        List.of(endpoint(1, 1, 0, false), endpoint(2, 2, 0, false)));
    UpstreamHost light = c.hosts().get(0);
    UpstreamHost busy = c.hosts().get(1);
    busy.activeRequests.set(9); // weight 2 / 10 against 1 / 1
    Map<UpstreamHost, Integer> count = picks(c, 1200);
    assertThat(count.get(busy)).isBetween(199, 201); // 0.2 / 1.2 = 1/6 of the picks instead of 2/3
    // bias 0: weights alone.
    UpstreamCluster rr = cluster(ClusterConfig.LbPolicy.LEAST_REQUEST, new ClusterConfig.LeastRequestLbConfig(2, 0.0),
        List.of(endpoint(1, 1, 0, false), endpoint(2, 2, 0, false)));
    rr.hosts().get(1).activeRequests.set(9);
    assertThat(picks(rr, 300).get(rr.hosts().get(1))).isBetween(199, 201);
    assertThat(light.activeRequests()).isZero();
  }

  @Test
  void choiceCountDrawsThatManyHostsWithEqualWeights() {
    List<ClusterConfig.EndpointAddress> three = List.of(endpoint(1, 1, 0, false), endpoint(2, 1, 0, false), endpoint(3, 1, 0, false));
    UpstreamCluster two = cluster(ClusterConfig.LbPolicy.LEAST_REQUEST, ClusterConfig.LeastRequestLbConfig.DEFAULT, three);
    UpstreamCluster twenty = cluster(ClusterConfig.LbPolicy.LEAST_REQUEST, new ClusterConfig.LeastRequestLbConfig(20, 1.0), three);
    for (UpstreamCluster c : List.of(two, twenty)) {
      c.hosts().get(1).activeRequests.set(5);
      c.hosts().get(2).activeRequests.set(5);
    }
    // The idle host wins unless no draw hits it: 1 - (2/3)^2 = 5/9 with 2 draws, 1 - (2/3)^20 > 0.9996 with 20.
    assertThat(picks(two, 1000).get(two.hosts().get(0))).isBetween(450, 660); // 556 expected, sd 16
    assertThat(picks(twenty, 1000).get(twenty.hosts().get(0))).isGreaterThanOrEqualTo(990);
  }

  @Test
  void eachWorkerRunsItsOwnSchedule() throws Exception {
    UpstreamCluster c = cluster(ClusterConfig.LbPolicy.ROUND_ROBIN, ClusterConfig.LeastRequestLbConfig.DEFAULT,
        List.of(endpoint(1, 1, 0, false), endpoint(2, 3, 0, false)));
    UpstreamHost light = c.hosts().get(0);
    Map<Integer, Integer> lightPerThread = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(4);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int id = t;
      Thread th = new Thread(() -> {
        int n = 0;
        for (int i = 0; i < 4000; i++) {
          n += c.chooseHost() == light ? 1 : 0;
        }
        lightPerThread.put(id, n);
        done.countDown();
      });
      threads.add(th);
      th.start();
    }
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    // Concurrent picks from a shared schedule would still add up, but only a schedule per thread is exact per thread.
    assertThat(lightPerThread.values()).hasSize(4).allSatisfy(n -> assertThat(n).isBetween(999, 1001));
  }
}
