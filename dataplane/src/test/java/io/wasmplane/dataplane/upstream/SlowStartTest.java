package io.wasmplane.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.HealthConfig;
import io.wasmplane.dataplane.config.Http2Options;
import io.wasmplane.dataplane.server.Transport;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Slow start through {@link UpstreamCluster#chooseHost()}: a host in its window weighs weight x max(min weight
 * percent, (time healthy / window)^(1 / aggression)) under ROUND_ROBIN and LEAST_REQUEST, also with equal weights;
 * past the window the pickers are the plain ones again, and the cluster's timer rebuilds them when the last window
 * ends.
 */
class SlowStartTest {
  private static final long SECOND = 1_000_000_000L;

  private static ClusterConfig config(ClusterConfig.LbPolicy policy, ClusterConfig.SlowStartConfig slowStart) {
    return new ClusterConfig("c", ClusterConfig.DiscoveryType.STATIC, policy, Duration.ofSeconds(1),
        List.of(new ClusterConfig.EndpointAddress("10.0.0.1", 8080), new ClusterConfig.EndpointAddress("10.0.0.2", 8080)),
        ClusterConfig.UpstreamProtocol.HTTP1, Optional.empty(), ClusterConfig.CircuitBreakers.DEFAULT, Duration.ofSeconds(5),
        Duration.ofHours(1), HealthConfig.DEFAULT, ClusterConfig.HashLbConfig.DEFAULT, List.of(), List.of(),
        ClusterConfig.DEFAULT_OVERPROVISIONING_FACTOR, Http2Options.DEFAULT, false, ClusterConfig.LeastRequestLbConfig.DEFAULT,
        slowStart, ClusterConfig.DropOverload.NONE);
  }

  /** Two equal hosts: the first healthy long ago, the second for {@code newHostSeconds} of a 10 s window. */
  private static UpstreamCluster oldAndNew(ClusterConfig.LbPolicy policy, double aggression, double minPercent, double newHostSeconds) {
    ClusterConfig config = config(policy, new ClusterConfig.SlowStartConfig(Duration.ofSeconds(10), aggression, minPercent));
    UpstreamCluster c = new UpstreamCluster(config, new StatsRegistry(), Transport.best(), null, () -> null);
    long now = System.nanoTime();
    c.hosts().get(0).healthySinceNanos = now - 60 * SECOND;
    c.hosts().get(1).healthySinceNanos = now - (long) (newHostSeconds * SECOND);
    c.updateEndpoints(config.endpoints(), config.overprovisioningFactor()); // the same hosts: rebuilds the pickers
    return c;
  }

  private static int picksOfNewHost(UpstreamCluster c, int n) {
    Map<UpstreamHost, Integer> count = new IdentityHashMap<>();
    for (int i = 0; i < n; i++) {
      count.merge(c.chooseHost(), 1, Integer::sum);
    }
    return count.getOrDefault(c.hosts().get(1), 0);
  }

  @Test
  void aHostInItsWindowGetsItsTimeFactorOfTheWeight() {
    // 2.5 s of 10: factor 0.25, so 0.25 / 1.25 = 1/5 of the picks (one thread: EDF is exact to a pick or two).
    assertThat(picksOfNewHost(oldAndNew(ClusterConfig.LbPolicy.ROUND_ROBIN, 1.0, 10, 2.5), 1000)).isBetween(197, 203);
    // aggression 2: 0.25^(1/2) = 0.5, so 1/3.
    assertThat(picksOfNewHost(oldAndNew(ClusterConfig.LbPolicy.ROUND_ROBIN, 2.0, 10, 2.5), 900)).isBetween(297, 303);
    // 0.1 s of 10 is 1 %, below min_weight_percent 10: 0.1 / 1.1 of the picks.
    assertThat(picksOfNewHost(oldAndNew(ClusterConfig.LbPolicy.ROUND_ROBIN, 1.0, 10, 0.1), 1100)).isBetween(97, 103);
    // Least request with equal weights and no active requests: the same EDF shares.
    assertThat(picksOfNewHost(oldAndNew(ClusterConfig.LbPolicy.LEAST_REQUEST, 1.0, 10, 2.5), 1000)).isBetween(197, 203);
  }

  @Test
  void pastTheWindowThePickersArePlainAgain() {
    UpstreamCluster c = oldAndNew(ClusterConfig.LbPolicy.ROUND_ROBIN, 1.0, 10, 2.5);
    assertThat(HostPicker.of(c.config(), c.hosts())).isInstanceOf(EdfPicker.class);
    c.hosts().get(1).healthySinceNanos = System.nanoTime() - 11 * SECOND;
    assertThat(HostPicker.of(c.config(), c.hosts())).isNull(); // equal weights: the cluster's rotation
    assertThat(HostPicker.of(config(ClusterConfig.LbPolicy.LEAST_REQUEST, c.config().slowStart()), c.hosts()))
        .isInstanceOf(LeastRequestPicker.class);
    // A host that is unhealthy does not ramp (Envoy: only coarse-healthy hosts), nor keeps the slow start picker.
    c.hosts().get(1).healthySinceNanos = System.nanoTime();
    c.hosts().get(1).health().update(HostHealth.FAILED_OUTLIER_CHECK, true);
    assertThat(HostPicker.of(c.config(), c.hosts())).isNull();
  }

  @Test
  void theClusterStampsNewHostsAndRebuildsWhenTheLastWindowEnds() throws Exception {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      SlowStart slowStart = SlowStart.of(config(ClusterConfig.LbPolicy.ROUND_ROBIN,
          new ClusterConfig.SlowStartConfig(Duration.ofMillis(300), 1.0, 10)));
      CountDownLatch rebuilt = new CountDownLatch(1);
      SlowStartEnd end = new SlowStartEnd(slowStart, timer, rebuilt::countDown);
      UpstreamHost h = new UpstreamHost("a", new java.net.InetSocketAddress("10.0.0.1", 80));
      long before = System.nanoTime();
      end.hostsChanged(List.of(h));
      assertThat(h.healthySinceNanos).isBetween(before, System.nanoTime());
      assertThat(rebuilt.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(System.nanoTime() - h.healthySinceNanos).isGreaterThanOrEqualTo(300_000_000L);
      assertThat(slowStart.windowEnd(List.of(h), System.nanoTime())).isEqualTo(UpstreamHost.NEVER);
    } finally {
      timer.shutdownNow();
    }
  }
}
