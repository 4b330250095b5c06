package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** EDS health_status over real ADS: UNHEALTHY/DRAINING endpoints get no traffic; outlier_detection over CDS. */
@Timeout(60)
class EdsHealthStatusTest {
  private final HttpClient client = Http.h1();

  private static ClusterLoadAssignment endpoints(int a, int b, HealthStatus bStatus) {
    return ClusterLoadAssignment.newBuilder().setClusterName("c1").addEndpoints(LocalityLbEndpoints.newBuilder()
        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Resources.address(a))))
        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Resources.address(b)))
            .setHealthStatus(bStatus))).build();
  }

  private List<String> servedBy(int port, int n) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Http.get(client, "http://127.0.0.1:" + port + "/").headers().firstValue("x-upstream-name").orElse("none"));
    }
    return out;
  }

  @Test
  void edsHealthStatusTakesHostsOutAndBack() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0); TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b")) {
      int port = freePort();
      cp.set("default", "v1", List.of(edsCluster("c1")), List.of(endpoints(a.port(), b.port(), HealthStatus.HEALTHY)),
          List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
      try (Dataplane d = Resources.startDataplane(Resources.bootstrap("dp", "default", cp.port(), "GRPC"), Duration.ofSeconds(2))) {
        String clusters = "http://127.0.0.1:" + d.adminPort() + "/clusters";
        String bFlags = "c1::127.0.0.1:" + b.port() + "::health_flags::";
        Await.until("both serve", () -> servedBy(port, 2).containsAll(List.of("a", "b")));

        cp.set("default", "v2", List.of(edsCluster("c1")), List.of(endpoints(a.port(), b.port(), HealthStatus.DRAINING)),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("b failed eds health", () -> Http.get(client, clusters).body().contains(bFlags + "/failed_eds_health"));
        assertThat(servedBy(port, 6)).containsOnly("a");

        cp.set("default", "v3", List.of(edsCluster("c1")), List.of(endpoints(a.port(), b.port(), HealthStatus.UNKNOWN)),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("b healthy again", () -> Http.get(client, clusters).body().contains(bFlags + "healthy"));
        assertThat(servedBy(port, 4)).contains("a", "b");

        // A CDS cluster with an outlier field not implemented is NACKed naming it; the last good config serves.
        Cluster bad = edsCluster("c1").toBuilder().setOutlierDetection(OutlierDetection.newBuilder()
            .addMonitors(io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig.newBuilder().setName("custom"))).build();
        cp.set("default", "v4", List.of(bad), List.of(endpoints(a.port(), b.port(), HealthStatus.UNKNOWN)),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("NACK", () -> cp.nacks.stream().anyMatch(n -> n.contains("outlier_detection") && n.contains("monitors")));
        assertThat(servedBy(port, 2)).contains("a", "b");
      }
    }
  }

  @Test
  void healthCheckedEdsClusterOverAds() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0); TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b")) {
      int port = freePort();
      int dead = freePort();
      Cluster c1 = edsCluster("c1").toBuilder().addHealthChecks(HealthCheck.newBuilder()
          .setTimeout(com.google.protobuf.Duration.newBuilder().setNanos(500_000_000))
          .setInterval(com.google.protobuf.Duration.newBuilder().setNanos(100_000_000))
          .setNoTrafficInterval(com.google.protobuf.Duration.newBuilder().setNanos(100_000_000))
          .setUnhealthyThreshold(UInt32Value.of(1000)).setHealthyThreshold(UInt32Value.of(1))
          .setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder().setPath("/healthz"))).build();
      cp.set("default", "v1", List.of(c1), List.of(endpoints(a.port(), b.port(), HealthStatus.UNKNOWN)),
          List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
      try (Dataplane d = Resources.startDataplane(Resources.bootstrap("dp", "default", cp.port(), "GRPC"), Duration.ofSeconds(2))) {
        String clusters = "http://127.0.0.1:" + d.adminPort() + "/clusters";
        Await.until("both serve", () -> servedBy(port, 2).containsAll(List.of("a", "b")));
        b.healthStatus.set(503);
        Await.until("b failed active hc", () -> Http.get(client, clusters).body().contains("c1::127.0.0.1:" + b.port() + "::health_flags::/failed_active_hc"));
        assertThat(servedBy(port, 4)).containsOnly("a");
        // A host EDS adds starts failed until a check passes; this one never answers (and the threshold is 1000).
        cp.set("default", "v2", List.of(c1), List.of(endpoints(a.port(), dead, HealthStatus.UNKNOWN)),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("dead host added", () -> Http.get(client, clusters).body().contains("c1::127.0.0.1:" + dead + "::health_flags::/failed_active_hc"));
        assertThat(Http.get(client, clusters).body()).doesNotContain("127.0.0.1:" + b.port());
        assertThat(servedBy(port, 4)).containsOnly("a");
      }
    }
  }
}
