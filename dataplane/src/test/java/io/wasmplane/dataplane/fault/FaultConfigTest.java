package io.wasmplane.dataplane.fault;

import static io.wasmplane.dataplane.fault.FaultBootstraps.perRoute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An HTTPFault the data plane cannot honour is refused at startup, naming where and why; Istio's shapes start. */
@Timeout(60)
class FaultConfigTest {
  private TestUpstream up;
  private Path log;

  @BeforeEach
  void setUp() throws Exception {
    up = new TestUpstream("a");
    log = Files.createTempFile("fault-config", ".log");
  }

  @AfterEach
  void tearDown() throws Exception {
    up.close();
    Files.deleteIfExists(log);
  }

  private static String routes(String routeExtra) {
    return """
        name: rc
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: a}
            %s
        """.formatted(routeExtra);
  }

  private Dataplane start(String faultBody, String routeConfig) {
    return FaultBootstraps.start(faultBody, routeConfig, Bootstraps.staticCluster("a", up.port(), null), log);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "response_rate_limit: {fixed_limit: {limit_kbps: 10}, percentage: {numerator: 100}}|.typed_config.response_rate_limit: response rate limiting is not supported",
      "filter_metadata: {k: v}|unsupported field(s) [filter_metadata]",
      "abort: {http_status: 700, percentage: {numerator: 100}}|.typed_config.abort.http_status: must be in [200, 600) (got 700)",
      "abort: {percentage: {numerator: 100}}|.typed_config.abort: one of http_status, grpc_status or header_abort is required",
      "delay: {percentage: {numerator: 100}}|.typed_config.delay: one of fixed_delay or header_delay is required",
      "delay: {fixed_delay: 0s}|.typed_config.delay.fixed_delay: must be greater than 0",
      "headers: [{name: ''}]|.typed_config.headers[0].name: required"})
  void filterLevelConfigErrorsNameTheFieldAndRefuseStartup(String body, String message) {
    assertThatThrownBy(() -> start(body, routes("")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http_filters envoy.filters.http.fault")
        .hasMessageContaining(message);
  }

  @Test
  void perRouteConfigErrorsNameTheRoute() {
    assertThatThrownBy(() -> start("", routes(perRoute("abort: {http_status: 99, percentage: {numerator: 100}}"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("routes[0].typed_per_filter_config[envoy.filters.http.fault].abort.http_status: must be in [200, 600)");
    assertThatThrownBy(() -> start("", routes(perRoute("response_rate_limit: {header_limit: {}}"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("typed_per_filter_config[envoy.filters.http.fault].response_rate_limit");
    String weighted = """
        name: rc
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route:
              weighted_clusters:
                clusters:
                - name: a
                  weight: 1
                  %s
        """.formatted(perRoute("abort: {http_status: 503, percentage: {numerator: 100}}"));
    assertThatThrownBy(() -> start("", weighted))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("weighted_clusters.clusters a.typed_per_filter_config[envoy.filters.http.fault]: per-filter configs on a weighted cluster are not supported");
  }

  /**
   * The shape istiod generates: an empty HTTPFault in every HCM before the router, a VirtualService fault as the
   * route's per-filter config (percentages over a million, runtime keys absent) and is_optional wrappers.
   */
  @Test
  void istioShapedConnectionManagerStartsAndAppliesTheVirtualServiceFault() throws Exception {
    String routeConfig = """
        name: "8080"
        validate_clusters: false
        virtual_hosts:
        - name: reviews.default.svc.cluster.local:8080
          domains: ["reviews.default.svc.cluster.local", "reviews:8080", "reviews"]
          routes:
          - name: faulty
            match: {prefix: "/ratings", case_sensitive: true}
            route: {cluster: a, timeout: 0s}
            typed_per_filter_config:
              envoy.filters.http.fault:
                "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                delay: {fixed_delay: 0.05s, percentage: {numerator: 1000000, denominator: MILLION}}
                abort: {http_status: 500, percentage: {numerator: 1000000, denominator: MILLION}}
          - name: default
            match: {prefix: "/"}
            route: {cluster: a, timeout: 0s}
            typed_per_filter_config:
              envoy.filters.http.fault:
                "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                is_optional: true
                config: {"@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault}
        """;
    try (Dataplane dp = start("", routeConfig)) {
      int port = dp.port("ingress");
      assertThat(RawResponse.get(port, "reviews:8080", "/reviews/1").status()).isEqualTo(200);
      RawResponse faulted = RawResponse.get(port, "reviews:8080", "/ratings/1");
      assertThat(faulted.status()).isEqualTo(500);
      assertThat(faulted.body()).isEqualTo("fault filter abort");
      var stats = dp.server().stats().snapshot();
      assertThat(stats.counter("http.ingress_http.fault.delays_injected")).isEqualTo(1);
      assertThat(stats.counter("http.ingress_http.fault.aborts_injected")).isEqualTo(1);
    }
  }
}
