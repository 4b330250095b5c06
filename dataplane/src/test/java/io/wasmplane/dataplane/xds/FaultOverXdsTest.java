package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Istio-shaped HCM (an empty envoy.filters.http.fault before the router) over LDS and a VirtualService fault as a
 * per-route config over RDS, from our control-plane-stub over ADS: ACKed and applied; a route edit with a fault field
 * we refuse is NACKed naming it, and the last good routes (with their fault) keep serving.
 */
@Timeout(90)
class FaultOverXdsTest {
  @TempDir
  Path dir;

  private static String rollout(int listenerPort, int upstreamPort, String ratingsFault) {
    return """
        listeners:
          - name: outbound_8080
            address: { socketAddress: { address: 127.0.0.1, portValue: %d } }
            filterChains:
              - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typedConfig:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      statPrefix: outbound_0.0.0.0_8080
                      rds: { routeConfigName: "8080", configSource: { ads: {}, resourceApiVersion: V3 } }
                      httpFilters:
                        - name: envoy.filters.http.fault
                          typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault }
                        - name: envoy.filters.http.router
                          typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        routes:
          - name: "8080"
            validateClusters: false
            virtualHosts:
              - name: ratings.default.svc.cluster.local:8080
                domains: ["*"]
                routes:
                  - name: faulty
                    match: { prefix: "/ratings" }
                    route: { cluster: "outbound|8080||ratings.default.svc.cluster.local", timeout: 0s }
                    typedPerFilterConfig:
                      envoy.filters.http.fault:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                        %s
                  - name: default
                    match: { prefix: "/" }
                    route: { cluster: "outbound|8080||ratings.default.svc.cluster.local", timeout: 0s }
        clusters:
          - name: "outbound|8080||ratings.default.svc.cluster.local"
            type: STATIC
            connectTimeout: 1s
            loadAssignment:
              clusterName: "outbound|8080||ratings.default.svc.cluster.local"
              endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 127.0.0.1, portValue: %d } } } }] }]
        """.formatted(listenerPort, ratingsFault, upstreamPort);
  }

  @Test
  void istioFaultsOverLdsAndRdsAreAppliedAndARefusedEditKeepsTheLastGoodOnes() throws Exception {
    int port = Ports.freePort();
    Path file = dir.resolve("rollout.yaml");
    String abort = "abort: { httpStatus: 503, percentage: { numerator: 1000000, denominator: MILLION } }";
    try (TestUpstream up = new TestUpstream("ratings")) {
      Files.writeString(file, rollout(port, up.port(), abort));
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, 0, 0));
          Dataplane dp = Resources.startDataplane("sidecar-1", stub.xdsPort(), "GRPC")) {
        String rds = "http.outbound_0.0.0.0_8080.rds.8080.";
        await("the routes are accepted", () -> counter(dp, rds + "update_success") >= 1);
        await("the listener serves", () -> status(port, "/") == 200);
        assertThat(status(port, "/ratings/1")).isEqualTo(503);
        assertThat(counter(dp, "http.outbound_0.0.0.0_8080.fault.aborts_injected")).isEqualTo(1);
        assertThat(counter(dp, "listener_manager.lds.update_rejected")).isZero();

        Files.writeString(file, rollout(port, up.port(), abort + "\n" + " ".repeat(16) + "responseRateLimit: { fixedLimit: { limitKbps: 1 } }"));
        await("the edit with response_rate_limit is NACKed", () -> counter(dp, rds + "update_rejected") >= 1);
        // The NACK the stub received names the resource, the field and the cause.
        await("the stub shows the NACK", () -> Resources.stubStatus(stub).contains("response_rate_limit"));
        assertThat(Resources.stubStatus(stub)).contains("route_configuration 8080")
            .contains("typed_per_filter_config[envoy.filters.http.fault].response_rate_limit: response rate limiting is not supported");
        assertThat(status(port, "/ratings/2")).isEqualTo(503);
        assertThat(status(port, "/")).isEqualTo(200);
      }
    }
  }


  private static int status(int port, String path) {
    try {
      return RawResponse.get(port, "ratings", path).status();
    } catch (Exception e) {
      return -1;
    }
  }
}
