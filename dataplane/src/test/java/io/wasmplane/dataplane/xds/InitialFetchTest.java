package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.endpoints;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.gauge;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.server.DataplaneServer;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Envoy's init manager: with dynamic_resources the server is INITIALIZING ({@code server.state} 3, {@code /ready}
 * 503) until the initial CDS (and the EDS of its clusters), then LDS and its listeners' warming are done, each step
 * bounded by initial_fetch_timeout; then LIVE.
 */
class InitialFetchTest {
  static final int INITIALIZING = DataplaneServer.State.INITIALIZING.ordinal();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  int ready(Dataplane d) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.adminPort() + "/ready"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  static Dataplane start(ControlPlane cp, String initialFetchTimeout) {
    return Resources.startDataplane(Resources.bootstrap("dp-1", "default", cp.port(), "GRPC", initialFetchTimeout), Duration.ofSeconds(5));
  }

  @Test
  void initializingUntilClustersThenListenersAreReadyThenLive() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0); TestUpstream a = new TestUpstream("a")) {
      try (Dataplane d = start(cp, "15s")) {
        // The control plane has nothing for this node yet: no CDS response, so no LDS subscription either.
        Thread.sleep(500);
        assertThat(ready(d)).isEqualTo(503);
        assertThat(gauge(d, "server.state")).isEqualTo(INITIALIZING);
        assertThat(d.xds().orElseThrow().client().cacheView().resources(
            io.wasmplane.xds.resource.ListenerResource.INSTANCE)).isEmpty();

        int port = freePort();
        cp.set("default", "v1", List.of(edsCluster("c1")), List.of(endpoints("c1", a.port())),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        await("LIVE", () -> ready(d) == 200);
        assertThat(gauge(d, "server.state")).isEqualTo(DataplaneServer.State.LIVE.ordinal());
        // LIVE means the listener was warm (route, cluster and endpoints there) when it happened.
        assertThat(ApiConfigSourceDataplaneTest.upstreamOf(port)).isEqualTo("a");
        assertThat(counter(d, "cluster_manager.cds.init_fetch_timeout")).isZero();
      }
    }
  }

  @Test
  void initialFetchTimeoutBoundsEachStep() throws Exception {
    try (ControlPlane cp = new ControlPlane().start(0)) {
      long start = System.nanoTime();
      try (Dataplane d = start(cp, "1s")) {
        assertThat(ready(d)).isEqualTo(503);
        await("LIVE after the CDS then the LDS initial_fetch_timeout", () -> ready(d) == 200);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(ms).as("CDS (1 s) then LDS (1 s)").isGreaterThanOrEqualTo(2000);
        assertThat(counter(d, "cluster_manager.cds.init_fetch_timeout")).isEqualTo(1);
        assertThat(counter(d, "listener_manager.lds.init_fetch_timeout")).isEqualTo(1);
        assertThat(d.server().listeners()).isEmpty();
      }
    }
  }
}
