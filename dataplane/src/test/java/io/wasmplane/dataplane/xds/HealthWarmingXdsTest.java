package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.endpoints;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static io.wasmplane.dataplane.xds.Resources.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Over real ADS: a CDS cluster with active health checks warms until its hosts had their first check (Envoy's cluster
 * warming), and ignore_new_hosts_until_first_hc keeps hosts EDS adds out of the load balancing weights until then.
 */
@Timeout(60)
class HealthWarmingXdsTest {
  private final HttpClient client = Http.h1();

  /** HTTP checks on /healthz every 0.2 s; a 5 s timeout so a slow first answer holds the first round up. */
  private static Cluster withHealthCheck(Cluster c) {
    return c.toBuilder().addHealthChecks(HealthCheck.newBuilder()
        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(5))
        .setInterval(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000))
        .setNoTrafficInterval(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000))
        .setUnhealthyThreshold(UInt32Value.of(1000)).setHealthyThreshold(UInt32Value.of(1))
        .setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder().setPath("/healthz"))).build();
  }

  private String servedBy(int port) throws Exception {
    HttpResponse<String> r = Http.get(client, "http://127.0.0.1:" + port + "/");
    return r.headers().firstValue("x-upstream-name").orElse("status:" + r.statusCode());
  }

  private List<String> servedBy(int port, int n) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(servedBy(port));
    }
    return out;
  }

  private static Dataplane start(ControlPlane cp) {
    return Resources.startDataplane(Resources.bootstrap("dp", "default", cp.port(), "GRPC"), Duration.ofSeconds(2));
  }

  @Test
  void aHealthCheckedCdsClusterServesOnlyAfterItsFirstCheck() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0); TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b")) {
      int port = freePort();
      cp.set("default", "v1", List.of(staticCluster("c1", a.port())), List.of(), List.of(listener("l1", port, "r1")),
          List.of(route("r1", "c1")));
      try (Dataplane d = start(cp)) {
        Await.until("a serves", () -> servedBy(port).equals("a"));
        b.healthDelayMillis.set(1500);
        long sent = System.nanoTime();
        cp.set("default", "v2", List.of(staticCluster("c1", a.port()), withHealthCheck(staticCluster("c2", b.port()))), List.of(),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c2")));
        String clusters = "http://127.0.0.1:" + d.adminPort() + "/clusters";
        String stats = "http://127.0.0.1:" + d.adminPort() + "/stats";
        int checksWhenServed = -1;
        boolean sawWarming = false;
        List<String> before = new ArrayList<>();
        for (int i = 0; i < 400 && checksWhenServed < 0; i++) {
          String who = servedBy(port);
          if (who.equals("b")) {
            checksWhenServed = b.healthChecks.get();
          } else {
            before.add(who);
            // Listed once active, and active only after b answered its first check (b counts a check before answering
            // it). Asserted that way round: c2 may go active between the request above and this listing.
            if (Http.get(client, clusters).body().contains("c2::127.0.0.1:" + b.port() + "::health_flags")) {
              assertThat(b.healthChecks.get()).as("c2 listed before its first health check").isGreaterThanOrEqualTo(1);
            }
            sawWarming |= Http.get(client, stats).body().contains("cluster_manager.warming_clusters: 1\n");
            Thread.sleep(25);
          }
        }
        // c2 went active only once its host answered its first check (1.5 s); the route to it found no cluster until then.
        assertThat(checksWhenServed).isGreaterThanOrEqualTo(1);
        assertThat((System.nanoTime() - sent) / 1_000_000).isGreaterThanOrEqualTo(1400);
        assertThat(before).contains("status:503");
        assertThat(sawWarming).isTrue();
        // Active: the bootstrap's xDS cluster, c1 and c2.
        assertThat(Http.get(client, stats).body()).contains("cluster_manager.warming_clusters: 0\n", "cluster_manager.active_clusters: 3\n");
        assertThat(servedBy(port, 3)).containsOnly("b");
      }
    }
  }

  @Test
  void newHostsAreLeftOutOfTheWeightsUntilTheirFirstCheck() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0); TestUpstream a = new TestUpstream("a"); TestUpstream x = new TestUpstream("x");
         TestUpstream y = new TestUpstream("y")) {
      int port1 = freePort();
      int port3 = freePort();
      Cluster ignoring = withHealthCheck(edsCluster("c1")).toBuilder()
          .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setIgnoreNewHostsUntilFirstHc(true)).build();
      Cluster plain = withHealthCheck(edsCluster("c3"));
      List<Cluster> cds = List.of(ignoring, plain);
      var lds = List.of(listener("l1", port1, "r1"), listener("l3", port3, "r3"));
      var rds = List.of(route("r1", "c1"), route("r3", "c3"));
      cp.set("default", "v1", cds, List.of(endpoints("c1", a.port()), endpoints("c3", a.port())), lds, rds);
      try (Dataplane d = start(cp)) {
        String clusters = "http://127.0.0.1:" + d.adminPort() + "/clusters";
        Await.until("a serves both", () -> servedBy(port1).equals("a") && servedBy(port3).equals("a"));
        x.healthDelayMillis.set(2000);
        y.healthDelayMillis.set(2000);
        cp.set("default", "v2", cds, List.of(endpoints("c1", a.port(), x.port(), y.port()), endpoints("c3", a.port(), x.port(), y.port())),
            lds, rds);
        String pending = "::health_flags::/failed_active_hc/pending_active_hc";
        Await.until("new hosts pending", () -> {
          String body = Http.get(client, clusters).body();
          return body.contains("c1::127.0.0.1:" + y.port() + pending) && body.contains("c3::127.0.0.1:" + y.port() + pending);
        });
        // c1: x and y do not count, 1 of 1 is healthy. c3: 1 healthy of 3 is under the 50 % panic threshold, so Envoy
        // balances over every host, the unchecked ones included.
        assertThat(servedBy(port1, 6)).containsOnly("a");
        assertThat(servedBy(port3, 9)).contains("x", "y");
        String stats = Http.get(client, "http://127.0.0.1:" + d.adminPort() + "/stats").body();
        assertThat(stats).contains("cluster.c1.membership_excluded: 2", "cluster.c3.membership_excluded: 0",
            "cluster.c1.lb_healthy_panic: 0");
        assertThat(x.healthChecks.get()).isZero(); // all of the above happened before the first answer

        Await.until("first checks passed", () -> Http.get(client, clusters).body().contains("c1::127.0.0.1:" + y.port() + "::health_flags::healthy"));
        Await.until("x and y serve through c1", () -> servedBy(port1, 6).containsAll(List.of("a", "x", "y")));
      }
    }
  }
}
