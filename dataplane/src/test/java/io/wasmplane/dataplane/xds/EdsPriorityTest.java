package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * EDS priorities over real ADS, as Istio's locality failover sends them: the P0 locality serves, an update that swaps
 * the priorities moves the traffic (hosts keep their connections and state), EDS health_status fails P0 over to P1,
 * and a ClusterLoadAssignment with a policy field not implemented is NACKed while the last good one keeps serving.
 */
@Timeout(60)
class EdsPriorityTest {
  private final HttpClient client = Http.h1();

  /** One locality per priority: {@code ports[p]} at priority p; {@code unhealthy} ports are reported UNHEALTHY. */
  private static ClusterLoadAssignment.Builder assignment(int[][] ports, int... unhealthy) {
    ClusterLoadAssignment.Builder la = ClusterLoadAssignment.newBuilder().setClusterName("c1");
    for (int p = 0; p < ports.length; p++) {
      LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder().setPriority(p)
          .setLocality(io.envoyproxy.envoy.config.core.v3.Locality.newBuilder().setZone("zone-" + p))
          .setLoadBalancingWeight(UInt32Value.of(1));
      for (int port : ports[p]) {
        boolean down = java.util.Arrays.stream(unhealthy).anyMatch(u -> u == port);
        l.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Resources.address(port)))
            .setHealthStatus(down ? HealthStatus.UNHEALTHY : HealthStatus.HEALTHY));
      }
      la.addEndpoints(l);
    }
    return la;
  }

  private List<String> servedBy(int port, int n) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Http.get(client, "http://127.0.0.1:" + port + "/").headers().firstValue("x-upstream-name").orElse("none"));
    }
    return out;
  }


  @Test
  void edsPrioritiesFailOverAndMoveHosts() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0); TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         TestUpstream c = new TestUpstream("c")) {
      int port = freePort();
      int[][] aFirst = {{a.port()}, {b.port()}};
      cp.set("default", "v1", List.of(edsCluster("c1")), List.of(assignment(aFirst).build()),
          List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
      try (Dataplane d = Dataplane.start(BootstrapLoader.fromText(Resources.bootstrap("dp", "default", cp.port(), "GRPC"), "test"),
          Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofSeconds(2)))) {
        String clusters = "http://127.0.0.1:" + d.adminPort() + "/clusters";
        String aPriority = "c1::127.0.0.1:" + a.port() + "::priority::";
        Await.until("a serves", () -> servedBy(port, 1).contains("a"));
        assertThat(servedBy(port, 10)).containsOnly("a");
        assertThat(Http.get(client, clusters).body()).contains(aPriority + "0", "c1::127.0.0.1:" + b.port() + "::priority::1");

        // The update swaps the localities' priorities: b takes all the traffic, a stays known (at P1).
        cp.set("default", "v2", List.of(edsCluster("c1")), List.of(assignment(new int[][] {{b.port()}, {a.port()}}).build()),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("a moved to P1", () -> Http.get(client, clusters).body().contains(aPriority + "1"));
        assertThat(servedBy(port, 10)).containsOnly("b");

        // EDS reports the P0 host UNHEALTHY: P0 has no healthy host, P1 takes everything.
        cp.set("default", "v3", List.of(edsCluster("c1")), List.of(assignment(new int[][] {{b.port()}, {a.port()}}, b.port()).build()),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("b failed eds health", () -> Http.get(client, clusters).body().contains(
            "c1::127.0.0.1:" + b.port() + "::health_flags::/failed_eds_health"));
        assertThat(servedBy(port, 10)).containsOnly("a");

        // Two drop_overloads categories (Envoy takes one): NACKed naming the field; the last good assignment keeps serving.
        ClusterLoadAssignment.Policy.DropOverload half = ClusterLoadAssignment.Policy.DropOverload.newBuilder().setCategory("lb")
            .setDropPercentage(FractionalPercent.newBuilder().setNumerator(50)).build();
        ClusterLoadAssignment bad = assignment(aFirst).setPolicy(ClusterLoadAssignment.Policy.newBuilder()
            .setOverprovisioningFactor(UInt32Value.of(200)).addDropOverloads(half).addDropOverloads(half)).build();
        cp.set("default", "v4", List.of(edsCluster("c1")), List.of(bad), List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("NACK", () -> cp.nacks.stream().anyMatch(n -> n.contains("cluster_load_assignment c1.policy.drop_overloads")
            && n.contains("only one")));
        assertThat(servedBy(port, 4)).containsOnly("a");

        // P0 {a, b unhealthy}, P1 {c}: overprovisioning_factor 200 makes 1 healthy of 2 a fully healthy P0 ...
        int[][] split = {{a.port(), b.port()}, {c.port()}};
        ClusterLoadAssignment doubled = assignment(split, b.port())
            .setPolicy(ClusterLoadAssignment.Policy.newBuilder().setOverprovisioningFactor(UInt32Value.of(200))).build();
        cp.set("default", "v5", List.of(edsCluster("c1")), List.of(doubled), List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("c added", () -> Http.get(client, clusters).body().contains("c1::127.0.0.1:" + c.port() + "::priority::1"));
        assertThat(servedBy(port, 20)).containsOnly("a");
        // ... and without it (1.4: P0 health 70 %) P1 takes 30 %.
        cp.set("default", "v6", List.of(edsCluster("c1")), List.of(assignment(split, b.port()).build()), List.of(listener("l1", port, "r1")),
            List.of(route("r1", "c1")));
        Await.until("c takes a share", () -> servedBy(port, 10).contains("c"));
      }
    }
  }
}
