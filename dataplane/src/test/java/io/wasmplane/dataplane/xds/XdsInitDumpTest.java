package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.endpoints;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.admin.v3.UnreadyTargetsDumps;
import io.envoyproxy.envoy.admin.v3.UnreadyTargetsDumps.UnreadyTargetsDump;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** /init_dump over a real ADS control plane: what warming clusters and listeners wait for, step by step, then nothing. */
@Timeout(60)
class XdsInitDumpTest {
  private static HttpResponse<String> admin(Dataplane d, String path) throws Exception {
    return Http.h1().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.adminPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static UnreadyTargetsDumps dump(Dataplane d, String query) throws Exception {
    HttpResponse<String> r = admin(d, "/init_dump" + query);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    UnreadyTargetsDumps.Builder b = UnreadyTargetsDumps.newBuilder();
    EnvoyTypes.PARSER.merge(r.body(), b);
    return b.build();
  }

  private static UnreadyTargetsDump manager(String name, String... targets) {
    return UnreadyTargetsDump.newBuilder().setName(name).addAllTargetNames(List.of(targets)).build();
  }

  @Test
  void dumpsWhatWarmingClustersThenListenersWaitForUntilAllIsReady() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0); TestUpstream a = new TestUpstream("a")) {
      try (Dataplane d = Resources.startDataplane(Resources.bootstrap("dp-1", "default", cp.port(), "GRPC", "15s"),
          Duration.ofSeconds(5))) {
        int port = freePort();
        // CDS brings c1; its endpoints are not there, so CDS init (and LDS after it) waits.
        cp.set("default", "v1", List.of(edsCluster("c1")), List.of(), List.of(listener("l1", port, "r1")), List.of());
        await("c1 warming", () -> dump(d, "").getUnreadyTargetsDumpsCount() > 0);
        assertThat(dump(d, "").getUnreadyTargetsDumpsList())
            .containsExactly(manager("init manager Cluster c1", "target EdsClusterImpl c1"));
        assertThat(dump(d, "?mask=cluster").getUnreadyTargetsDumpsList()).hasSize(1);
        assertThat(dump(d, "?mask=listener").getUnreadyTargetsDumpsList()).isEmpty();

        // The endpoints arrive; LDS brings l1, whose route config r1 is not there.
        cp.set("default", "v2", List.of(edsCluster("c1")), List.of(endpoints("c1", a.port())),
            List.of(listener("l1", port, "r1")), List.of());
        await("l1 warming", () -> dump(d, "?mask=listener").getUnreadyTargetsDumpsCount() > 0);
        UnreadyTargetsDump l1 = manager("init manager Listener-local-init-manager l1", "target RdsRouteConfigSubscription init r1");
        assertThat(dump(d, "?mask=listener").getUnreadyTargetsDumpsList()).containsExactly(l1);
        assertThat(dump(d, "").getUnreadyTargetsDumpsList()).containsExactly(l1);
        assertThat(dump(d, "?mask=cluster").getUnreadyTargetsDumpsList()).isEmpty();
        assertThat(dump(d, "?mask=").getUnreadyTargetsDumpsList()).containsExactly(l1);
        assertThat(dump(d, "?mask=secret").getUnreadyTargetsDumpsList()).isEmpty(); // Envoy: an unknown mask dumps nothing
        assertThat(admin(d, "/ready").statusCode()).isEqualTo(503);

        cp.set("default", "v3", List.of(edsCluster("c1")), List.of(endpoints("c1", a.port())),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        await("LIVE", () -> admin(d, "/ready").statusCode() == 200);
        assertThat(dump(d, "").getUnreadyTargetsDumpsList()).isEmpty();
      }
    }
  }
}
