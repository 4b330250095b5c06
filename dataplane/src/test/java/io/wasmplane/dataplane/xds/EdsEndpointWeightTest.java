package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Endpoint weights over real ADS, as Istio sends them (ServiceEntry endpoint weights): a ROUND_ROBIN cluster whose EDS
 * endpoints weigh differently is accepted and split by weight, and an update of the weights changes the split on the
 * upstream connections already open.
 */
@Timeout(60)
class EdsEndpointWeightTest {
  private final HttpClient client = Http.h1();

  private static LbEndpoint endpoint(int port, int weight) {
    return LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Resources.address(port)))
        .setLoadBalancingWeight(UInt32Value.of(weight)).build();
  }

  private static ClusterLoadAssignment assignment(int aWeight, int a, int bWeight, int b) {
    return ClusterLoadAssignment.newBuilder().setClusterName("c1").addEndpoints(LocalityLbEndpoints.newBuilder()
        .addLbEndpoints(endpoint(a, aWeight)).addLbEndpoints(endpoint(b, bWeight))).build();
  }

  @Test
  void unequalEdsWeightsSplitRoundRobinAndAnUpdateChangesTheSplitOnOpenConnections() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0); TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b")) {
      int port = freePort();
      Cluster cluster = edsCluster("c1").toBuilder().setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN).build();
      cp.set("default", "v1", List.of(cluster), List.of(assignment(1, a.port(), 3, b.port())),
          List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
      try (Dataplane d = Dataplane.start(BootstrapLoader.fromText(Resources.bootstrap("dp", "default", cp.port(), "GRPC", "1s"), "test"),
          Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofSeconds(2)))) {
        Await.until("c1 serves", () -> !Resources.split(client, port, 1).containsKey("none"));
        Map<String, Long> quarter = Resources.split(client, port, 40); // one worker: exactly 1 of every 4 picks
        assertThat(quarter.get("a")).isBetween(9L, 11L);
        assertThat(quarter.get("b")).isBetween(29L, 31L);
        long connections = Resources.stat(client, d, "cluster.c1.upstream_cx_total");

        // a's weight goes up to 3 and b's down to 1: the split turns over, on the connections already open.
        cp.set("default", "v2", List.of(cluster), List.of(assignment(3, a.port(), 1, b.port())),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("a weighs 3", () -> Resources.split(client, port, 8).getOrDefault("a", 0L) >= 5);
        Map<String, Long> turned = Resources.split(client, port, 40);
        assertThat(turned.get("a")).isBetween(29L, 31L);
        assertThat(turned.get("b")).isBetween(9L, 11L);
        assertThat(Resources.stat(client, d, "cluster.c1.upstream_cx_total")).isEqualTo(connections);
        assertThat(Resources.stat(client, d, "cluster.c1.upstream_cx_destroy")).isZero();
        assertThat(cp.nacks).isEmpty();
      }
    }
  }
}
