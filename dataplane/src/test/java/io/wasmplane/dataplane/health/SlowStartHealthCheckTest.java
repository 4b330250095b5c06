package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.HealthTestSupport.await;
import static io.wasmplane.dataplane.health.HealthTestSupport.cluster;
import static io.wasmplane.dataplane.health.HealthTestSupport.healthFlags;
import static io.wasmplane.dataplane.health.HealthTestSupport.servedBy;
import static io.wasmplane.dataplane.health.HealthTestSupport.start;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slow start with active health checks, as Envoy: a host's window starts again when it passes its check after
 * failing (last_hc_pass_time), so a recovered host ramps up instead of taking its full share at once.
 */
@Timeout(60)
class SlowStartHealthCheckTest {
  private static final long WINDOW_NANOS = 2_000_000_000L;
  private static final String SLOW_START_AND_HC = """
      round_robin_lb_config: {slow_start_config: {slow_start_window: 2s}}
      health_checks:
      - timeout: 1s
        interval: 0.1s
        no_traffic_interval: 0.1s
        unhealthy_threshold: 1
        healthy_threshold: 1
        http_health_check: {path: /healthz}
      """;

  /** The recovered host's share against one steady host of equal weight, {@code inWindow} after it passed. */
  private static double share(long inWindow) {
    double f = Math.max(0.1, Math.min(1.0, (double) Math.max(1_000_000L, inWindow) / WINDOW_NANOS));
    return f / (1 + f);
  }

  @Test
  void aHostThatPassesItsCheckAgainRampsUp() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         Dataplane dp = start(cluster(SLOW_START_AND_HC, a.port(), b.port()))) {
      Thread.sleep(2_200); // both hosts came up with the cluster: their own windows end first

      b.healthStatus.set(503);
      await("b failed active hc", 5000, () -> healthFlags(dp, b.port()).equals("/failed_active_hc"));
      long recovered = System.nanoTime();
      b.healthStatus.set(200);
      await("b healthy again", 5000, () -> healthFlags(dp, b.port()).equals("healthy"));
      long seen = System.nanoTime(); // b passed in [recovered, seen]

      int first = Collections.frequency(servedBy(dp, 40), "b");
      long firstEnd = System.nanoTime();
      // Its share at the end of the batch at most (+2: an EDF step each side), its 10 % floor at least: not the 20 of 40.
      assertThat(first).isBetween((int) Math.round(40 * share(0)) - 2, (int) Math.ceil(40 * share(firstEnd - recovered)) + 2);

      Thread.sleep(Math.max(0, 2_300 - (System.nanoTime() - seen) / 1_000_000));
      assertThat(Collections.frequency(servedBy(dp, 40), "b")).isBetween(18, 22); // past the window: equal shares
    }
  }
}
