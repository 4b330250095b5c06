package io.wasmplane.dataplane.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.IstioRoutes;
import io.wasmplane.dataplane.testing.RawResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An Istio-shaped RouteConfiguration as a static route_config serves as Istio meant (the xDS form: xds/IstioRoutesOverXdsTest). */
@Timeout(60)
class IstioRouteConfigTest {

  @Test
  void istioRouteConfigurationLoadsStaticallyAndServes() throws Exception {
    Path log = Files.createTempFile("routes", ".log");
    try (IstioRoutes.Upstreams u = IstioRoutes.Upstreams.start();
        Dataplane dp = Bootstraps.start(Bootstraps.withRouteConfig(IstioRoutes.routeConfig(), null, IstioRoutes.clusters(u), log, null))) {
      IstioRoutes.assertServed(dp.port("ingress"));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** istiod puts the CORS filter before the router in every HCM; a VirtualService corsPolicy is its per-route config. */
  @Test
  void istioHcmWithTheCorsFilterLoadsAndAnswersPreflights() throws Exception {
    Path log = Files.createTempFile("routes", ".log");
    String filters = """
        - name: envoy.filters.http.cors
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}
        """;
    try (IstioRoutes.Upstreams u = IstioRoutes.Upstreams.start();
        Dataplane dp = Bootstraps.start(Bootstraps.withRouteConfig(IstioRoutes.routeConfig(), ISTIO_HCM, IstioRoutes.clusters(u), log,
            null, filters))) {
      int port = dp.port("ingress");
      IstioRoutes.assertServed(port);
      RawResponse preflight = RawResponse.send(port, "OPTIONS", "reviews:8080", "/reviews/1", "end-user: jason",
          "Origin: https://bookinfo.example", "Access-Control-Request-Method: POST");
      assertThat(preflight.status()).isEqualTo(200);
      assertThat(preflight.header("access-control-allow-origin")).containsExactly("https://bookinfo.example");
      assertThat(preflight.header("access-control-allow-methods")).containsExactly("GET,POST");
      assertThat(preflight.header("x-upstream-name")).isEmpty();
      RawResponse simple = RawResponse.get(port, "reviews:8080", "/reviews/1", "end-user: jason", "Origin: https://bookinfo.example");
      assertThat(simple.header("x-upstream-name")).containsExactly("v2");
      assertThat(simple.header("access-control-allow-origin")).containsExactly("https://bookinfo.example");
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** The path fields istiod sets on every HCM (meshConfig pathNormalization BASE... and the escaped-slash default). */
  private static final String ISTIO_HCM = """
      use_remote_address: false
      stream_idle_timeout: 0s
      normalize_path: true
      merge_slashes: true
      path_with_escaped_slashes_action: KEEP_UNCHANGED
      upgrade_configs: [{upgrade_type: websocket}]
      """;

  @Test
  void istioHcmWithPathNormalizationAndRouteIdleTimeoutLoadsAndServes() throws Exception {
    Path log = Files.createTempFile("routes", ".log");
    // A route with idle_timeout, as istiod writes for some routes.
    String routes = IstioRoutes.routeConfig().replace("timeout: 10s,", "timeout: 10s, idle_timeout: 30s,");
    assertThat(routes).contains("idle_timeout: 30s");
    try (IstioRoutes.Upstreams u = IstioRoutes.Upstreams.start();
        Dataplane dp = Bootstraps.start(Bootstraps.withRouteConfig(routes, ISTIO_HCM, IstioRoutes.clusters(u), log, null))) {
      int port = dp.port("ingress");
      IstioRoutes.assertServed(port);
      // The legacy route (prefix /legacy/ rewritten to /api/) matches only once the path is normalized.
      RawResponse dotted = RawResponse.get(port, "10.96.0.42", "/v1/..//legacy/./books?x=/../1");
      assertThat(dotted.header("x-upstream-name")).containsExactly("v1");
      assertThat(dotted.upstreamRequestLine()).isEqualTo("GET /api/books?x=/../1");
      // KEEP_UNCHANGED: an escaped slash is forwarded as it came.
      assertThat(RawResponse.get(port, "10.96.0.42", "/legacy/a%2Fb").upstreamRequestLine()).isEqualTo("GET /api/a%2Fb");
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
