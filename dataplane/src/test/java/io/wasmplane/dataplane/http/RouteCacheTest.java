package io.wasmplane.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpResponse;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import io.wasmplane.dataplane.wasm.WasmTestSupport;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The stream's route cache (Envoy's ActiveStream cached route) through a real data plane: CORS, the fault filter and
 * the router share one match; the C Wasm plugin c_headers adding a request header (x-c-route) that a route matches on
 * clears the cache, so the router routes by the header even when CORS matched the route before the plugin ran.
 * A test filter reports on each response how many times its stream matched the route (x-route-matches).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RouteCacheTest {
  private static final String ROUTES = """
      name: rc
      virtual_hosts:
      - name: all
        domains: ["*"]
        typed_per_filter_config:
          envoy.filters.http.cors: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy,
                                    allow_origin_string_match: [{exact: "https://app.example"}], expose_headers: x-seen}
        routes:
        - name: steered
          match: {prefix: "/", headers: [{name: x-c-route, string_match: {exact: "GET /steered"}}]}
          route: {cluster: b}
        - name: faulty
          match: {prefix: "/faulty"}
          route: {cluster: a}
          typed_per_filter_config:
            envoy.filters.http.fault: {"@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault,
                                       abort: {header_abort: {}, percentage: {numerator: 100}}}
        - name: default
          match: {prefix: "/"}
          route: {cluster: a}
      """;
  private static final String HOOK = """
      - name: test.route_matches
        typed_config: {"@type": type.googleapis.com/google.protobuf.Struct}
      """;
  private static final String CORS = """
      - name: envoy.filters.http.cors
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}
      """;
  private static final String FAULT = """
      - name: envoy.filters.http.fault
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault}
      """;

  /** Puts the number of route matches of its stream on the response (its encode runs after the router's match). */
  static final class RouteMatches implements HttpFilter, HttpStream.StreamAware {
    private HttpStream stream;

    @Override
    public void attach(HttpStream stream) {
      this.stream = stream;
    }

    @Override
    public FilterStatus encodeHeaders(HttpResponse response, boolean endStream) {
      response.headers().set("x-route-matches", stream.routeMatches());
      return FilterStatus.CONTINUE;
    }
  }

  private TestUpstream a;
  private TestUpstream b;
  /** CORS, fault, then the plugin: the plugin changes the headers after the route was cached. */
  private Dataplane wasmLast;
  /** The plugin first: it changes the headers before anything matched the route. */
  private Dataplane wasmFirst;

  private static String wasm() {
    return """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: c_headers
              configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "stamp"}
              vm_config:
                vm_id: c_vm
                runtime: envoy.wasm.runtime.v8
                code: {local: {filename: "%s"}}
        """.formatted(WasmTestSupport.plugin("c/c_headers.wasm"));
  }

  private Dataplane start(String filters) {
    String clusters = Bootstraps.staticCluster("a", a.port(), null) + Bootstraps.staticCluster("b", b.port(), null);
    return Bootstraps.start(Bootstraps.withRouteConfig(ROUTES, null, clusters, Path.of("/dev/null"), null, filters));
  }

  @BeforeAll
  void start() throws Exception {
    HttpFilterRegistry.register("test.route_matches", (cfg, where) -> cb -> new RouteMatches());
    a = new TestUpstream("a");
    b = new TestUpstream("b");
    wasmLast = start(HOOK + CORS + FAULT + wasm());
    wasmFirst = start(HOOK + wasm() + CORS + FAULT);
  }

  @AfterAll
  void stop() {
    wasmLast.close();
    wasmFirst.close();
    a.close();
    b.close();
    HttpFilterRegistry.unregister("test.route_matches");
  }

  private static int matches(RawResponse r) {
    return Integer.parseInt(r.header("x-route-matches").get(0));
  }

  @Test
  void aPluginAddingTheRoutingHeaderAfterCorsMatchedSteersTheRouterToItsRoute() throws Exception {
    int toB = b.requests.get();
    RawResponse r = RawResponse.get(wasmLast.port("ingress"), "h", "/steered", "Origin: https://app.example");
    assertThat(r.status()).isEqualTo(200);
    assertThat(b.requests.get()).isEqualTo(toB + 1);
    assertThat(r.upstreamSaw("x-c-route")).containsExactly("GET /steered");
    // CORS matched "default" before the plugin ran, and its policy applied; the plugin's change cleared the cache.
    assertThat(r.header("access-control-allow-origin")).containsExactly("https://app.example");
    assertThat(matches(r)).isEqualTo(2);
  }

  @Test
  void corsFaultAndRouterShareOneMatchWhenNothingChangesTheHeaders() throws Exception {
    int port = wasmFirst.port("ingress");
    int toB = b.requests.get();
    RawResponse steered = RawResponse.get(port, "h", "/steered", "Origin: https://app.example");
    assertThat(steered.status()).isEqualTo(200);
    assertThat(b.requests.get()).isEqualTo(toB + 1);
    assertThat(steered.header("access-control-allow-origin")).containsExactly("https://app.example");
    assertThat(steered.header("access-control-expose-headers")).containsExactly("x-seen");
    assertThat(matches(steered)).isEqualTo(1);

    int toA = a.requests.get();
    RawResponse through = RawResponse.get(port, "h", "/faulty", "Origin: https://app.example");
    assertThat(through.status()).isEqualTo(200);
    assertThat(a.requests.get()).isEqualTo(toA + 1);
    assertThat(matches(through)).isEqualTo(1);

    RawResponse aborted = RawResponse.get(port, "h", "/faulty", "Origin: https://app.example", "x-envoy-fault-abort-request: 418");
    assertThat(aborted.status()).isEqualTo(418);
    assertThat(aborted.body()).startsWith("fault filter abort"); // the plugin, before the fault filter, appends to it
    assertThat(aborted.header("access-control-allow-origin")).containsExactly("https://app.example");
    assertThat(a.requests.get()).isEqualTo(toA + 1);
    assertThat(matches(aborted)).isEqualTo(1);
  }

  @Test
  void withoutAnOriginOnlyTheFaultFilterAndTheRouterAskAndTheyShareTheMatch() throws Exception {
    RawResponse r = RawResponse.get(wasmLast.port("ingress"), "h", "/faulty", "x-envoy-fault-abort-request: 503");
    assertThat(r.status()).isEqualTo(503);
    assertThat(matches(r)).isEqualTo(1); // the abort answered before the plugin could change anything
  }
}
