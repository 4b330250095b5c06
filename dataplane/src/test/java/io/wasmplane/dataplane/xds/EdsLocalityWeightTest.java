package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Locality;
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
 * Locality weighted load balancing over real ADS, as Istio sends it (localityLbSetting.distribute plus failover
 * priorities): the P0 localities split the traffic by their EDS weights, an update of the weights changes the split
 * on the connections already open, and an explicit weight of 0 is NACKed while the last good weights keep serving.
 */
@Timeout(60)
class EdsLocalityWeightTest {
  private final HttpClient client = Http.h1();

  private static Cluster weightedCluster() {
    return edsCluster("c1").toBuilder().setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
        .setLocalityWeightedLbConfig(Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance())).build();
  }

  private static LocalityLbEndpoints.Builder locality(String zone, int priority, int weight, int port) {
    return LocalityLbEndpoints.newBuilder().setPriority(priority).setLocality(Locality.newBuilder().setRegion("r").setZone(zone))
        .setLoadBalancingWeight(UInt32Value.of(weight))
        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Resources.address(port))));
  }

  /** x{a} and y{b} at P0 with the given weights, z{c} at P1 (Istio's failover). */
  private static ClusterLoadAssignment assignment(int xWeight, int yWeight, int a, int b, int c) {
    return ClusterLoadAssignment.newBuilder().setClusterName("c1").addEndpoints(locality("x", 0, xWeight, a))
        .addEndpoints(locality("y", 0, yWeight, b)).addEndpoints(locality("z", 1, 5, c)).build();
  }

  @Test
  void edsLocalityWeightsSplitTheTrafficAndAnUpdateChangesTheSplitOnOpenConnections() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0); TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         TestUpstream c = new TestUpstream("c")) {
      int port = freePort();
      cp.set("default", "v1", List.of(weightedCluster()), List.of(assignment(1, 1, a.port(), b.port(), c.port())),
          List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
      try (Dataplane d = Dataplane.start(BootstrapLoader.fromText(Resources.bootstrap("dp", "default", cp.port(), "GRPC"), "test"),
          Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofSeconds(2)))) {
        Await.until("c1 serves", () -> !Resources.split(client, port, 1).containsKey("none"));
        Map<String, Long> even = Resources.split(client, port, 60);
        assertThat(even).containsOnlyKeys("a", "b"); // P1's z takes nothing while P0 is healthy
        assertThat(even.get("a")).isBetween(28L, 32L);
        long connections = Resources.stat(client, d, "cluster.c1.upstream_cx_total");

        // y's weight goes up to 3: a takes a quarter, over the connections already open.
        cp.set("default", "v2", List.of(weightedCluster()), List.of(assignment(1, 3, a.port(), b.port(), c.port())),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("y weighs 3", () -> Resources.split(client, port, 20).getOrDefault("b", 0L) >= 14);
        Map<String, Long> quarter = Resources.split(client, port, 100);
        assertThat(quarter.get("a")).isBetween(22L, 28L);
        assertThat(quarter.get("b")).isBetween(72L, 78L);
        assertThat(Resources.stat(client, d, "cluster.c1.upstream_cx_total")).isEqualTo(connections);
        assertThat(Resources.stat(client, d, "cluster.c1.upstream_cx_destroy")).isZero();
        // /config_dump shows the cluster's config as it came, and the endpoints by priority and locality with their weights.
        String dump = Http.get(client, "http://127.0.0.1:" + d.adminPort() + "/config_dump?include_eds").body().replaceAll("\\s+", "");
        assertThat(dump).contains("\"locality_weighted_lb_config\":{}",
            "{\"locality\":{\"region\":\"r\",\"zone\":\"y\"},\"lb_endpoints\":[{\"endpoint\":{\"address\":{\"socket_address\":{"
                + "\"address\":\"127.0.0.1\",\"port_value\":" + b.port(),
            "\"load_balancing_weight\":3}", "\"priority\":1");

        // A set weight of 0 breaks Envoy's proto rule (at least 1): NACKed naming the field, the weights 1:3 keep serving.
        cp.set("default", "v3", List.of(weightedCluster()), List.of(assignment(0, 3, a.port(), b.port(), c.port())),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("NACK", () -> cp.nacks.stream().anyMatch(n -> n.contains("cluster_load_assignment c1.endpoints.load_balancing_weight")
            && n.contains("at least 1")));
        assertThat(Resources.split(client, port, 20).get("b")).isBetween(13L, 17L);
      }
    }
  }
}
