package io.wasmplane.dataplane.cors;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.H2cClient;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.http.cors through a real data plane and upstream: preflights answered or forwarded, simple requests'
 * response headers, policies on the route configuration, virtual host and route (the most specific setting of each
 * field wins), the deprecated cors fields, StringMatcher origins, filter_enabled / shadow_enabled, the stats.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class CorsFilterTest {
  private static final String POLICY = "\"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy";

  static final String ROUTES = """
      name: cors_routes
      typed_per_filter_config:
        envoy.filters.http.cors: {%1$s, allow_origin_string_match: [{exact: "https://config.example"}], allow_methods: PUT}
      virtual_hosts:
      - name: web
        domains: ["web.example"]
        typed_per_filter_config:
          envoy.filters.http.cors:
            %1$s
            allow_origin_string_match:
            - {exact: "https://app.example"}
            - {safe_regex: {regex: "https://[a-z]+\\\\.regex\\\\.example"}}
            - {suffix: ".CI.example", ignore_case: true}
            allow_methods: "GET, POST"
            allow_headers: "content-type, x-custom"
            expose_headers: "x-upstream-name"
            max_age: "600"
            allow_credentials: true
            allow_private_network_access: true
        routes:
        - name: override
          match: {prefix: "/override"}
          route: {cluster: a}
          typed_per_filter_config:
            envoy.filters.http.cors: {%1$s, allow_origin_string_match: [{prefix: "https://other."}], allow_methods: "*",
                                      allow_credentials: false}
        - name: strict
          match: {prefix: "/strict"}
          route: {cluster: a}
          typed_per_filter_config:
            envoy.filters.http.cors:
              "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
              config: {%1$s, forward_not_matching_preflights: false}
        - name: shadow
          match: {prefix: "/shadow"}
          route: {cluster: a}
          typed_per_filter_config:
            envoy.filters.http.cors: {%1$s, filter_enabled: {default_value: {numerator: 0}},
                                      shadow_enabled: {default_value: {numerator: 100}}}
        - name: off
          match: {prefix: "/off"}
          route: {cluster: a}
          typed_per_filter_config:
            envoy.filters.http.cors: {%1$s, filter_enabled: {default_value: {numerator: 0, denominator: MILLION}}}
        - name: direct
          match: {prefix: "/direct"}
          direct_response: {status: 200, body: {inline_string: direct}}
        - match: {prefix: "/"}
          route: {cluster: a}
      %2$s
      - name: rest
        domains: ["*"]
        routes:
        - match: {prefix: "/"}
          route: {cluster: a}
      """;

  /** A virtual host with only the deprecated cors fields (on itself and on a route action). */
  static final String LEGACY_HOST = """
      - name: legacy
        domains: ["legacy.example"]
        cors: {allow_origin_string_match: [{exact: "https://legacy.example"}], allow_methods: GET, expose_headers: x-legacy}
        routes:
        - match: {prefix: "/route-cors"}
          route: {cluster: a, cors: {allow_origin_string_match: [{contains: "route-level"}]}}
        - match: {prefix: "/"}
          route: {cluster: a}
      """;

  static final String CORS_FILTER = """
      - name: envoy.filters.http.cors
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}
      """;

  private TestUpstream a;
  private Path log;
  private Dataplane dp;
  private int port;

  @BeforeAll
  void start() throws Exception {
    a = new TestUpstream("a");
    log = Files.createTempFile("cors", ".log");
    dp = Bootstraps.start(Bootstraps.withRouteConfig(ROUTES.formatted(POLICY, LEGACY_HOST), null, Bootstraps.staticCluster("a", a.port(), null), log, null,
        CORS_FILTER));
    port = dp.port("ingress");
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    a.close();
    Files.deleteIfExists(log);
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter("http.ingress_http.cors." + name);
  }

  private RawResponse preflight(String host, String path, String origin, String... more) throws Exception {
    String[] headers = new String[more.length + 2];
    headers[0] = "Origin: " + origin;
    headers[1] = "Access-Control-Request-Method: POST";
    System.arraycopy(more, 0, headers, 2, more.length);
    return RawResponse.send(port, "OPTIONS", host, path, headers);
  }

  @Test
  void preflightFromAnAllowedOriginIsAnsweredHereWithTheVirtualHostPolicy() throws Exception {
    int upstream = a.requests.get();
    long valid = counter("origin_valid");
    RawResponse r = preflight("web.example", "/api", "https://app.example", "Access-Control-Request-Headers: content-type",
        "Access-Control-Request-Private-Network: true");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("access-control-allow-origin")).containsExactly("https://app.example");
    assertThat(r.header("access-control-allow-credentials")).containsExactly("true");
    assertThat(r.header("access-control-allow-methods")).containsExactly("GET, POST");
    assertThat(r.header("access-control-allow-headers")).containsExactly("content-type, x-custom");
    assertThat(r.header("access-control-max-age")).containsExactly("600");
    assertThat(r.header("access-control-allow-private-network")).containsExactly("true");
    assertThat(r.header("access-control-expose-headers")).isEmpty();
    assertThat(r.header("x-upstream-name")).isEmpty();
    assertThat(r.body()).isEmpty();
    assertThat(a.requests.get()).isEqualTo(upstream);
    assertThat(counter("origin_valid")).isEqualTo(valid + 1);
  }

  @Test
  void preflightFromAnotherOriginIsForwardedAndCountedInvalid() throws Exception {
    long invalid = counter("origin_invalid");
    RawResponse r = preflight("web.example", "/api", "https://evil.example");
    assertThat(r.header("x-upstream-name")).containsExactly("a");
    assertThat(r.upstreamRequestLine()).isEqualTo("OPTIONS /api");
    assertThat(r.header("access-control-allow-origin")).isEmpty();
    assertThat(counter("origin_invalid")).isEqualTo(invalid + 1);
  }

  @Test
  void withoutForwardingANotMatchingPreflightIsAnsweredWithoutAllowOrigin() throws Exception {
    int upstream = a.requests.get();
    RawResponse r = preflight("web.example", "/strict", "https://evil.example");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("access-control-allow-origin")).isEmpty();
    assertThat(r.header("access-control-allow-methods")).containsExactly("GET, POST"); // the virtual host's, inherited
    assertThat(a.requests.get()).isEqualTo(upstream);
  }

  @Test
  void simpleRequestFromAnAllowedOriginGetsTheHeadersOnTheUpstreamResponse() throws Exception {
    RawResponse r = RawResponse.get(port, "web.example", "/api", "Origin: https://app.example");
    assertThat(r.header("x-upstream-name")).containsExactly("a");
    assertThat(r.header("access-control-allow-origin")).containsExactly("https://app.example");
    assertThat(r.header("access-control-allow-credentials")).containsExactly("true");
    assertThat(r.header("access-control-expose-headers")).containsExactly("x-upstream-name");
    assertThat(r.header("access-control-allow-methods")).isEmpty(); // preflight only
    assertThat(r.upstreamSaw("origin")).containsExactly("https://app.example");

    RawResponse other = RawResponse.get(port, "web.example", "/api", "Origin: https://evil.example");
    assertThat(other.header("x-upstream-name")).containsExactly("a");
    assertThat(other.header("access-control-allow-origin")).isEmpty();
    assertThat(other.header("access-control-allow-credentials")).isEmpty();

    long valid = counter("origin_valid");
    long invalid = counter("origin_invalid");
    RawResponse noOrigin = RawResponse.get(port, "web.example", "/api");
    assertThat(noOrigin.header("access-control-allow-origin")).isEmpty();
    // An OPTIONS without Access-Control-Request-Method is no preflight: forwarded, with the simple request's headers.
    RawResponse options = RawResponse.send(port, "OPTIONS", "web.example", "/api", "Origin: https://app.example");
    assertThat(options.header("x-upstream-name")).containsExactly("a");
    assertThat(options.header("access-control-allow-origin")).containsExactly("https://app.example");
    assertThat(counter("origin_valid")).isEqualTo(valid + 1);
    assertThat(counter("origin_invalid")).isEqualTo(invalid);
  }

  @Test
  void originsMatchByRegexAndIgnoringCase() throws Exception {
    assertThat(RawResponse.get(port, "web.example", "/", "Origin: https://shop.regex.example").header("access-control-allow-origin"))
        .containsExactly("https://shop.regex.example");
    // safe_regex matches the whole origin.
    assertThat(RawResponse.get(port, "web.example", "/", "Origin: https://shop.regex.example.evil").header("access-control-allow-origin"))
        .isEmpty();
    assertThat(RawResponse.get(port, "web.example", "/", "Origin: https://Build.ci.EXAMPLE").header("access-control-allow-origin"))
        .containsExactly("https://Build.ci.EXAMPLE");
  }

  @Test
  void aRoutePolicyOverridesTheFieldsItSetsAndInheritsTheRest() throws Exception {
    // The route's origins replace the virtual host's.
    assertThat(preflight("web.example", "/override", "https://app.example").header("x-upstream-name")).containsExactly("a");
    RawResponse r = preflight("web.example", "/override", "https://other.example", "Access-Control-Request-Headers: x-y");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-upstream-name")).isEmpty();
    assertThat(r.header("access-control-allow-origin")).containsExactly("https://other.example");
    assertThat(r.header("access-control-allow-methods")).containsExactly("POST"); // "*": the requested method
    assertThat(r.header("access-control-allow-credentials")).isEmpty(); // false on the route beats true on the host
    assertThat(r.header("access-control-allow-headers")).containsExactly("content-type, x-custom");
    assertThat(r.header("access-control-max-age")).containsExactly("600");
    // Without an Access-Control-Request-Private-Network: true, no private network answer.
    assertThat(r.header("access-control-allow-private-network")).isEmpty();
  }

  @Test
  void theRouteConfigurationPolicyServesVirtualHostsWithoutOne() throws Exception {
    RawResponse r = preflight("anything.example", "/x", "https://config.example");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("access-control-allow-origin")).containsExactly("https://config.example");
    assertThat(r.header("access-control-allow-methods")).containsExactly("PUT");
    assertThat(preflight("anything.example", "/x", "https://app.example").header("x-upstream-name")).containsExactly("a");
  }

  @Test
  void theDeprecatedCorsFieldsApplyWhenNoTypedConfigNamesTheFilter() throws Exception {
    // Here the route configuration names the filter: its typed policy wins, the deprecated fields are ignored (Envoy).
    assertThat(RawResponse.get(port, "legacy.example", "/", "Origin: https://legacy.example").header("access-control-allow-origin"))
        .isEmpty();
    assertThat(RawResponse.get(port, "legacy.example", "/", "Origin: https://config.example").header("access-control-allow-origin"))
        .containsExactly("https://config.example");
    String onlyLegacy = "name: legacy_routes\nvirtual_hosts:\n" + LEGACY_HOST;
    try (Dataplane legacy = Bootstraps.start(Bootstraps.withRouteConfig(onlyLegacy, null,
        Bootstraps.staticCluster("a", a.port(), null), log, null, CORS_FILTER))) {
      assertDeprecatedFieldsServe(legacy.port("ingress"));
    }
  }

  private static void assertDeprecatedFieldsServe(int port) throws Exception {
    RawResponse vh = RawResponse.get(port, "legacy.example", "/", "Origin: https://legacy.example");
    assertThat(vh.header("access-control-allow-origin")).containsExactly("https://legacy.example");
    assertThat(vh.header("access-control-expose-headers")).containsExactly("x-legacy");
    RawResponse route = RawResponse.get(port, "legacy.example", "/route-cors", "Origin: https://route-level.example");
    assertThat(route.header("access-control-allow-origin")).containsExactly("https://route-level.example");
    assertThat(route.header("access-control-expose-headers")).containsExactly("x-legacy");
    assertThat(RawResponse.get(port, "legacy.example", "/route-cors", "Origin: https://legacy.example")
        .header("access-control-allow-origin")).isEmpty();
    RawResponse pre = RawResponse.send(port, "OPTIONS", "legacy.example", "/", "Origin: https://legacy.example",
        "Access-Control-Request-Method: POST");
    assertThat(pre.status()).isEqualTo(200);
    assertThat(pre.header("access-control-allow-methods")).containsExactly("GET");
    assertThat(pre.header("x-upstream-name")).isEmpty();
  }

  @Test
  void shadowModeCountsButDoesNotEnforceAndADisabledPolicyDoesNothing() throws Exception {
    long valid = counter("origin_valid");
    RawResponse shadow = preflight("web.example", "/shadow", "https://app.example");
    assertThat(shadow.header("x-upstream-name")).containsExactly("a");
    assertThat(shadow.header("access-control-allow-origin")).isEmpty();
    assertThat(counter("origin_valid")).isEqualTo(valid + 1);

    long invalid = counter("origin_invalid");
    RawResponse off = preflight("web.example", "/off", "https://app.example");
    assertThat(off.header("x-upstream-name")).containsExactly("a");
    assertThat(off.header("access-control-allow-origin")).isEmpty();
    // Envoy has no route entry for direct responses: the CORS filter leaves them alone.
    RawResponse direct = RawResponse.get(port, "web.example", "/direct", "Origin: https://app.example");
    assertThat(direct.body()).isEqualTo("direct");
    assertThat(direct.header("access-control-allow-origin")).isEmpty();
    assertThat(counter("origin_valid")).isEqualTo(valid + 1);
    assertThat(counter("origin_invalid")).isEqualTo(invalid);
  }

  @Test
  void preflightOverHttp2IsAnsweredToo() throws Exception {
    try (H2cClient client = new H2cClient(port)) {
      var headers = java.util.Map.of("origin", "https://app.example", "access-control-request-method", "GET");
      H2cClient.Response r = client.request("OPTIONS", "/api", "web.example", "", headers).get(10, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers().get("access-control-allow-origin")).hasToString("https://app.example");
      assertThat(r.headers().get("access-control-allow-methods")).hasToString("GET, POST");
      assertThat(r.headers().get("x-upstream-name")).isNull();
    }
  }
}
