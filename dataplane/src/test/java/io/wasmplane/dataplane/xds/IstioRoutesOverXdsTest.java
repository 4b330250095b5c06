package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.IstioRoutes;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.RawResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Istio-shaped RouteConfiguration (testing/IstioRoutes) delivered by our control-plane-stub over ADS (RDS) is
 * ACKed and served; an edit that adds a field we refuse (a filter_state hash_policy: no filter state here) is NACKed and
 * the last good routes keep serving. The listener's HCM has Istio's filters (cors, router): the routes' CORS policies
 * apply, change with RDS, and a policy we cannot honour is NACKed.
 */
@Timeout(90)
class IstioRoutesOverXdsTest {
  @TempDir
  Path dir;

  private static String rollout(int listenerPort, IstioRoutes.Upstreams u, String routeConfig) {
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
                      normalizePath: true
                      mergeSlashes: true
                      pathWithEscapedSlashesAction: KEEP_UNCHANGED
                      rds: { routeConfigName: "8080", configSource: { ads: {}, resourceApiVersion: V3 } }
                      httpFilters:
                        - name: envoy.filters.http.cors
                          typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }
                        - name: envoy.filters.http.router
                          typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        routes:
          - %s
        clusters:
        %s
        """.formatted(listenerPort, Bootstraps.indent(routeConfig, 4).substring(4), clusters(u));
  }

  private static String clusters(IstioRoutes.Upstreams u) {
    StringBuilder sb = new StringBuilder();
    String[][] all = {{IstioRoutes.cluster("v1"), "" + u.v1().port()}, {IstioRoutes.cluster("v2"), "" + u.v2().port()},
        {IstioRoutes.cluster("v3"), "" + u.v3().port()}, {"PassthroughCluster", "" + u.passthrough().port()}};
    for (String[] c : all) {
      sb.append("""
            - name: "%1$s"
              type: STATIC
              connectTimeout: 1s
              loadAssignment:
                clusterName: "%1$s"
                endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 127.0.0.1, portValue: %2$s } } } }] }]
          """.formatted(c[0], c[1]));
    }
    return sb.toString();
  }

  @Test
  void istioRoutesOverRdsAreServedAndARefusedEditKeepsTheLastGoodOnes() throws Exception {
    int port = Ports.freePort();
    Path file = dir.resolve("rollout.yaml");
    try (IstioRoutes.Upstreams u = IstioRoutes.Upstreams.start()) {
      Files.writeString(file, rollout(port, u, IstioRoutes.routeConfig()));
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, 0, 0));
          Dataplane dp = Resources.startDataplane("sidecar-1", stub.xdsPort(), "GRPC")) {
        String rds = "http.outbound_0.0.0.0_8080.rds.8080.";
        await("the Istio routes are accepted", () -> counter(dp, rds + "update_success") >= 1);
        await("the listener serves", () -> servesJason(port));
        IstioRoutes.assertServed(port);
        assertThat(counter(dp, rds + "update_rejected")).isZero();
        // Istio's HCM path fields came over LDS: the path is normalized before routing.
        assertThat(RawResponse.get(port, "10.96.0.42", "/x/..//legacy/./books").upstreamRequestLine()).isEqualTo("GET /api/books");

        String refused = IstioRoutes.routeConfig().replace("route: {cluster: PassthroughCluster, timeout: 0s,",
            "route: {cluster: PassthroughCluster, hash_policy: [{filter_state: {key: x-user}}], timeout: 0s,");
        assertThat(refused).isNotEqualTo(IstioRoutes.routeConfig());
        Files.writeString(file, rollout(port, u, refused));
        await("the edit with a filter_state hash_policy is NACKed", () -> counter(dp, rds + "update_rejected") >= 1);
        // The NACK the stub received names the resource, the field and the cause.
        await("the stub shows the NACK", () -> Resources.stubStatus(stub).contains("hash_policy"));
        assertThat(Resources.stubStatus(stub)).contains("route_configuration 8080").contains("hash_policy[0].filter_state: not supported");
        IstioRoutes.assertServed(port);
      }
    }
  }

  @Test
  void corsPoliciesComeWithRdsAndARefusedPolicyKeepsTheLastGoodOne() throws Exception {
    int port = Ports.freePort();
    Path file = dir.resolve("rollout.yaml");
    try (IstioRoutes.Upstreams u = IstioRoutes.Upstreams.start()) {
      Files.writeString(file, rollout(port, u, IstioRoutes.routeConfig()));
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, 0, 0));
          Dataplane dp = Resources.startDataplane("sidecar-1", stub.xdsPort(), "GRPC")) {
        String rds = "http.outbound_0.0.0.0_8080.rds.8080.";
        await("the listener serves", () -> servesJason(port));
        assertThat(preflightAllowOrigin(port, "https://bookinfo.example")).containsExactly("https://bookinfo.example");
        assertThat(counter(dp, "http.outbound_0.0.0.0_8080.cors.origin_valid")).isEqualTo(1);

        String moved = IstioRoutes.routeConfig().replace("https://bookinfo.example", "https://shop.example");
        Files.writeString(file, rollout(port, u, moved));
        await("the new policy serves", () -> preflightAllowOrigin(port, "https://shop.example").size() == 1);
        assertThat(preflightAllowOrigin(port, "https://bookinfo.example")).isEmpty();

        String refused = moved.replace("[{exact: \"https://shop.example\"}]", "[{safe_regex: {regex: \"(\"}}]");
        assertThat(refused).isNotEqualTo(moved);
        Files.writeString(file, rollout(port, u, refused));
        await("the bad policy is NACKed", () -> counter(dp, rds + "update_rejected") >= 1);
        await("the stub shows the NACK", () -> Resources.stubStatus(stub).contains("allow_origin_string_match"));
        assertThat(Resources.stubStatus(stub)).contains("typed_per_filter_config[envoy.filters.http.cors].allow_origin_string_match[0].safe_regex");
        assertThat(preflightAllowOrigin(port, "https://shop.example")).containsExactly("https://shop.example");
      }
    }
  }

  /** A preflight on the jason route: the access-control-allow-origin it got (answered here) or none (forwarded). */
  private static java.util.List<String> preflightAllowOrigin(int port, String origin) throws Exception {
    return RawResponse.send(port, "OPTIONS", "reviews", "/", "end-user: jason", "Origin: " + origin,
        "Access-Control-Request-Method: GET").header("access-control-allow-origin");
  }


  private static boolean servesJason(int port) {
    try {
      return RawResponse.get(port, "reviews", "/", "end-user: jason").header("x-upstream-name").contains("v2");
    } catch (Exception e) {
      return false;
    }
  }
}
