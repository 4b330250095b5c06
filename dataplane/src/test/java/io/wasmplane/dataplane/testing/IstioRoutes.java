package io.wasmplane.dataplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A RouteConfiguration in the shape istiod generates for a sidecar's outbound port 8080 (from Istio config dumps:
 * service virtual hosts with all their short names, routes with case_sensitive, metadata, decorator,
 * max_stream_duration, timeout 0s, weighted subsets, a VirtualService header match, redirect and rewrite, CORS as a
 * per-filter config, the allow_any passthrough host, validate_clusters false with a route to a cluster not (yet) there); retry_policy is left out (retries are
 * not implemented). Cluster names are Istio's {@code outbound|8080|<subset>|reviews.default.svc.cluster.local}.
 */
public final class IstioRoutes {
  private IstioRoutes() {}

  /** The upstreams behind the subsets and the passthrough cluster; {@link #clusters} declares them as STATIC clusters. */
  public record Upstreams(TestUpstream v1, TestUpstream v2, TestUpstream v3, TestUpstream passthrough) implements AutoCloseable {
    public static Upstreams start() throws java.io.IOException {
      return new Upstreams(new TestUpstream("v1"), new TestUpstream("v2"), new TestUpstream("v3"), new TestUpstream("passthrough"));
    }

    @Override
    public void close() {
      v1.close();
      v2.close();
      v3.close();
      passthrough.close();
    }
  }

  /** Bootstrap YAML clusters (static_resources.clusters entries). */
  public static String clusters(Upstreams u) {
    return Bootstraps.staticCluster("\"" + cluster("v1") + "\"", u.v1().port(), null)
        + Bootstraps.staticCluster("\"" + cluster("v2") + "\"", u.v2().port(), null)
        + Bootstraps.staticCluster("\"" + cluster("v3") + "\"", u.v3().port(), null)
        + Bootstraps.staticCluster("PassthroughCluster", u.passthrough().port(), null);
  }

  /** Requests through the proxy on {@code port} get what the Istio routes say, asserted at the upstreams and the client. */
  public static void assertServed(int port) throws Exception {
    RawResponse jason = RawResponse.get(port, "reviews:8080", "/reviews/1", "end-user: jason");
    assertThat(jason.status()).isEqualTo(200);
    assertThat(jason.header("x-upstream-name")).containsExactly("v2");
    assertThat(jason.upstreamSaw("x-user-tier")).containsExactly("gold");
    assertThat(jason.upstreamSaw("x-envoy-attempt-count")).containsExactly("1");

    int v1 = 0;
    int v3 = 0;
    for (int i = 0; i < 20; i++) {
      RawResponse r = RawResponse.get(port, "reviews.default.svc.cluster.local", "/reviews/" + i, "end-user: someone");
      assertThat(r.status()).isEqualTo(200);
      String served = r.header("x-upstream-name").get(0);
      if (served.equals("v3")) {
        v3++;
        assertThat(r.upstreamSaw("x-canary")).containsExactly("v3");
      } else {
        assertThat(served).isEqualTo("v1");
        assertThat(r.upstreamSaw("x-canary")).isEmpty();
        v1++;
      }
    }
    assertThat(v1 + v3).isEqualTo(20);
    assertThat(v1).as("80/20 split: v1 gets most (fewer than 5 of 20 has a probability below 1e-6)").isGreaterThanOrEqualTo(5);

    RawResponse moved = RawResponse.get(port, "reviews.default", "/v1/getProductRatings?id=7");
    assertThat(moved.status()).isEqualTo(301);
    assertThat(moved.header("location")).containsExactly("http://newratings.default.svc.cluster.local/v1/bookRatings?id=7");

    RawResponse legacy = RawResponse.get(port, "10.96.0.42", "/legacy/books?x=1");
    assertThat(legacy.header("x-upstream-name")).containsExactly("v1");
    assertThat(legacy.upstreamRequestLine()).isEqualTo("GET /api/books?x=1");
    assertThat(legacy.upstreamSaw("host")).containsExactly("reviews-v1.default.svc.cluster.local");

    // validate_clusters: false: a route to a cluster CDS has not delivered is accepted; its requests get 503 (NC).
    assertThat(RawResponse.get(port, "details", "/").status()).isEqualTo(503);

    RawResponse any = RawResponse.get(port, "example.org", "/anything");
    assertThat(any.header("x-upstream-name")).containsExactly("passthrough");
    assertThat(any.upstreamSaw("x-envoy-attempt-count")).containsExactly("1");
  }

  public static String cluster(String subset) {
    return "outbound|8080|" + subset + "|reviews.default.svc.cluster.local";
  }

  /** The route configuration "8080" as YAML (proto field names, so it also reads as the stub's protobuf JSON). */
  public static String routeConfig() {
    String mdu = "{max_stream_duration: 0s, grpc_timeout_header_max: 0s}";
    String meta = "{filter_metadata: {istio: {config: /apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews}}}";
    String decorator = "{operation: \"reviews.default.svc.cluster.local:8080/*\"}";
    return """
        name: "8080"
        validate_clusters: false
        ignore_port_in_host_matching: true
        max_direct_response_body_size_bytes: 1048576
        virtual_hosts:
        - name: "reviews.default.svc.cluster.local:8080"
          domains: ["reviews.default.svc.cluster.local", "reviews", "reviews.default.svc", "reviews.default", "10.96.0.42"]
          include_request_attempt_count: true
          routes:
          - name: jason
            match:
              prefix: /
              case_sensitive: true
              headers: [{name: end-user, string_match: {exact: jason}}]
            route: {cluster: "%1$s", timeout: 0s, max_stream_duration: %5$s}
            metadata: %6$s
            decorator: %7$s
            request_headers_to_add: [{header: {key: x-user-tier, value: gold}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}]
            typed_per_filter_config:
              envoy.filters.http.cors:
                "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                allow_origin_string_match: [{exact: "https://bookinfo.example"}]
                allow_methods: GET,POST
          - name: ratings-moved
            match: {prefix: /v1/getProductRatings, case_sensitive: true}
            redirect: {path_redirect: /v1/bookRatings, host_redirect: newratings.default.svc.cluster.local, response_code: MOVED_PERMANENTLY}
            metadata: %6$s
            decorator: %7$s
          - name: legacy
            match: {prefix: /legacy/, case_sensitive: true}
            route: {cluster: "%2$s", prefix_rewrite: /api/, host_rewrite_literal: reviews-v1.default.svc.cluster.local, timeout: 10s,
                    max_stream_duration: %5$s}
            metadata: %6$s
            decorator: %7$s
          - name: default
            match: {prefix: /, case_sensitive: true}
            route:
              weighted_clusters:
                clusters:
                - {name: "%2$s", weight: 80}
                - name: "%3$s"
                  weight: 20
                  request_headers_to_add: [{header: {key: x-canary, value: v3}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}]
              timeout: 0s
              max_stream_duration: %5$s
            metadata: %6$s
            decorator: %7$s
        - name: "details.default.svc.cluster.local:8080"
          domains: ["details.default.svc.cluster.local", "details"]
          routes:
          - name: default
            match: {prefix: /}
            route: {cluster: "outbound|8080||details.default.svc.cluster.local", timeout: 0s, max_stream_duration: %5$s}
        - name: allow_any
          domains: ["*"]
          include_request_attempt_count: true
          routes:
          - name: allow_any
            match: {prefix: /}
            route: {cluster: %4$s, timeout: 0s, max_stream_duration: %5$s}
        """.formatted(cluster("v2"), cluster("v1"), cluster("v3"), "PassthroughCluster", mdu, meta, decorator);
  }
}
