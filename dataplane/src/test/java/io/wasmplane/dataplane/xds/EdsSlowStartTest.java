package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slow start over real ADS, as Istio's DestinationRule warmupDurationSecs sends it (round_robin_lb_config
 * .slow_start_config, window 2 s, aggression 1, min_weight_percent 10): a host EDS adds to a running cluster starts
 * near 10 % of its equal share and ramps up with time; after its window the two hosts alternate again. The bounds
 * come from Envoy's formula at the measured times, so a slow machine loosens them instead of failing them.
 */
@Timeout(60)
class EdsSlowStartTest {
  private static final long WINDOW_NANOS = 2_000_000_000L;
  private final HttpClient client = Http.h1();

  private static ClusterLoadAssignment assignment(int... ports) {
    LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
    for (int p : ports) {
      l.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Resources.address(p))));
    }
    return ClusterLoadAssignment.newBuilder().setClusterName("c1").addEndpoints(l).build();
  }

  /** The new host's share of picks against one old host of equal weight, {@code inWindow} after it came up. */
  private static double share(long inWindow) {
    double f = Math.max(0.1, Math.min(1.0, (double) Math.max(1_000_000L, inWindow) / WINDOW_NANOS));
    return f / (1 + f);
  }

  @Test
  void aHostEdsAddsRampsUpFromTheMinimumWeightAndThenSharesEqually() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0); TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b")) {
      int port = freePort();
      Cluster cluster = edsCluster("c1").toBuilder().setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
          .setRoundRobinLbConfig(Cluster.RoundRobinLbConfig.newBuilder().setSlowStartConfig(Cluster.SlowStartConfig.newBuilder()
              .setSlowStartWindow(com.google.protobuf.Duration.newBuilder().setSeconds(2)))).build();
      cp.set("default", "v1", List.of(cluster), List.of(assignment(a.port())), List.of(listener("l1", port, "r1")),
          List.of(route("r1", "c1")));
      try (Dataplane d = Resources.startDataplane(Resources.bootstrap("dp", "default", cp.port(), "GRPC", "1s"), Duration.ofSeconds(2))) {
        Await.until("c1 serves", () -> Resources.split(client, port, 1).containsKey("a"));
        // a came up with the cluster, so it is in its own window first: let that pass before b arrives.
        Thread.sleep(2_200);

        long added = System.nanoTime();
        cp.set("default", "v2", List.of(cluster), List.of(assignment(a.port(), b.port())), List.of(listener("l1", port, "r1")),
            List.of(route("r1", "c1")));
        String bEntry = "c1::127.0.0.1:" + b.port() + "::";
        Await.until("b added", () -> Http.get(client, "http://127.0.0.1:" + d.adminPort() + "/clusters").body().contains(bEntry));
        long seen = System.nanoTime(); // b's window started in [added, seen]

        long first = Resources.split(client, port, 60).getOrDefault("b", 0L);
        long firstEnd = System.nanoTime();
        // At most b's share at the end of the batch (+2: one EDF step each side); at least its 10 % floor (-2).
        assertThat(first).isBetween(Math.round(60 * share(0)) - 2, (long) Math.ceil(60 * share(firstEnd - added)) + 2);

        Thread.sleep(Math.max(0, 1_200 - (System.nanoTime() - seen) / 1_000_000));
        long secondStart = System.nanoTime();
        long second = Resources.split(client, port, 60).getOrDefault("b", 0L);
        // At least its share when the batch began, less the picks a still had scheduled from b's lighter days (< 10).
        assertThat(second).isGreaterThanOrEqualTo((long) Math.floor(60 * share(secondStart - seen)) - 10).isGreaterThan(first);

        Thread.sleep(Math.max(0, 2_300 - (System.nanoTime() - seen) / 1_000_000));
        // Past the window: equal weights, the plain rotation (one worker: strict alternation).
        assertThat(Resources.split(client, port, 40).get("b")).isBetween(19L, 21L);
        assertThat(cp.nacks).isEmpty();
      }
    }
  }
}
