package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ClusterLoadAssignment.policy.drop_overloads over real ADS: 100 % answers every request 503 "drop overload" without
 * reaching the host; an update to 0 % lets everything through on the running cluster.
 */
@Timeout(60)
class EdsDropOverloadTest {
  private final HttpClient client = Http.h1();

  private static ClusterLoadAssignment assignment(int port, int dropPercent) {
    return ClusterLoadAssignment.newBuilder().setClusterName("c1")
        .addEndpoints(LocalityLbEndpoints.newBuilder()
            .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Resources.address(port)))))
        .setPolicy(ClusterLoadAssignment.Policy.newBuilder().addDropOverloads(ClusterLoadAssignment.Policy.DropOverload.newBuilder()
            .setCategory("throttle").setDropPercentage(FractionalPercent.newBuilder().setNumerator(dropPercent))))
        .build();
  }

  @Test
  void edsDropsEverythingThenNothingAfterAnUpdate() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0); TestUpstream a = new TestUpstream("a")) {
      int port = freePort();
      String url = "http://127.0.0.1:" + port + "/";
      cp.set("default", "v1", List.of(edsCluster("c1")), List.of(assignment(a.port(), 100)), List.of(listener("l1", port, "r1")),
          List.of(route("r1", "c1")));
      try (Dataplane d = Resources.startDataplane(Resources.bootstrap("dp", "default", cp.port(), "GRPC", "1s"), Duration.ofSeconds(2))) {
        Await.until("c1 drops", () -> Http.get(client, url).body().equals("drop overload"));
        for (int i = 0; i < 10; i++) {
          HttpResponse<String> r = Http.get(client, url);
          assertThat(r.statusCode()).isEqualTo(503);
          assertThat(r.headers().firstValue("x-envoy-drop-overload")).hasValue("true");
        }
        assertThat(a.requests.get()).isZero();
        assertThat(Resources.stat(client, d, "cluster.c1.upstream_rq_drop_overload")).isGreaterThanOrEqualTo(11);

        cp.set("default", "v2", List.of(edsCluster("c1")), List.of(assignment(a.port(), 0)), List.of(listener("l1", port, "r1")),
            List.of(route("r1", "c1")));
        Await.until("c1 passes", () -> Http.get(client, url).statusCode() == 200);
        long drops = Resources.stat(client, d, "cluster.c1.upstream_rq_drop_overload");
        for (int i = 0; i < 10; i++) {
          assertThat(Http.get(client, url).statusCode()).isEqualTo(200);
        }
        assertThat(Resources.stat(client, d, "cluster.c1.upstream_rq_drop_overload")).isEqualTo(drops);
        assertThat(cp.nacks).isEmpty();
      }
    }
  }
}
