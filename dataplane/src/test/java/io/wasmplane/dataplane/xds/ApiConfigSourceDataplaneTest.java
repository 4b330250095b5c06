package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.apiSource;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.endpoints;
import static io.wasmplane.dataplane.xds.Resources.hcm;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.gauge;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bootstrap without ADS: lds_config and cds_config with their own api_config_source, and the resources' config
 * sources (rds.config_source, eds_cluster_config.eds_config) naming the server the same way; every type on its own
 * stream of java-control-plane's per-type services (LDS, CDS, RDS, EDS), SotW and delta.
 */
class ApiConfigSourceDataplaneTest {
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  static String upstreamOf(int port) {
    try {
      HttpResponse<String> r = XdsDataplaneScenarios.fresh(port);
      return r.statusCode() == 200 ? r.headers().firstValue("x-upstream-name").orElse(null) : null;
    } catch (Exception e) {
      return null;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void everyTypeFromItsOwnApiConfigSource(String apiType) throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0);
        TestUpstream a = new TestUpstream("a");
        TestUpstream b = new TestUpstream("b")) {
      ConfigSource own = apiSource(apiType);
      int port = freePort();
      cp.set("default", "v1", List.of(edsCluster("c1", own)), List.of(endpoints("c1", a.port())),
          List.of(listener("l1", port, hcm("r1", own))), List.of(route("r1", "c1")));
      try (Dataplane d = Dataplane.start(BootstrapLoader.fromText(Resources.perTypeBootstrap("dp-1", cp.port(), apiType),
          "test"), Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofSeconds(5)))) {
        await("traffic through the listener", () -> "a".equals(upstreamOf(port)));
        assertThat(d.server().state()).isEqualTo(io.wasmplane.dataplane.server.DataplaneServer.State.LIVE);
        assertThat(cp.streamsOpened).containsExactlyInAnyOrder(LDS, CDS, RDS, EDS);
        await("connected", () -> gauge(d, "control_plane.connected_state") == 1);

        // Updates on each stream: endpoints move to b; a broken route is NACKed on the RDS stream.
        cp.set("default", "v2", List.of(edsCluster("c1", own)), List.of(endpoints("c1", b.port())),
            List.of(listener("l1", port, hcm("r1", own))), List.of(route("r1", "nope")));
        await("RDS NACK", () -> cp.nacks.stream().anyMatch(n -> n.startsWith(RDS) && n.contains("rds 'r1'")
            && n.contains("nope")));
        await("EDS update", () -> "b".equals(upstreamOf(port)));
        assertThat(counter(d, "cluster_manager.cds.update_success")).isGreaterThanOrEqualTo(1);
        assertThat(counter(d, "listener_manager.lds.update_success")).isGreaterThanOrEqualTo(1);
        assertThat(cp.streamsOpened).doesNotContain("");

        // A config source naming a cluster the bootstrap does not have: the listener is NACKed naming it.
        cp.set("default", "v3", List.of(edsCluster("c1", own)), List.of(endpoints("c1", b.port())),
            List.of(listener("l1", port, hcm("r1", apiSource(apiType, "nope")))), List.of(route("r1", "c1")));
        await("LDS NACK naming the config source", () -> cp.nacks.stream().anyMatch(n -> n.startsWith(LDS)
            && n.contains("lds 'l1'") && n.contains("rds.config_source") && n.contains("no static cluster named 'nope'")));
        assertThat(upstreamOf(port)).as("the last good listener keeps serving").isEqualTo("b");
      }
    }
  }
}
