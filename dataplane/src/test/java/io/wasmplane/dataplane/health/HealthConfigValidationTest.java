package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.HealthTestSupport.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.HealthCheckConfig;
import io.wasmplane.dataplane.config.OutlierConfig;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** health_checks / outlier_detection / panic threshold: Envoy's defaults, and clear errors for what is not implemented. */
class HealthConfigValidationTest {

  private static ClusterConfig translate(String extra) {
    String yaml = Bootstraps.bootstrap(HealthTestSupport.ROUTES, null, cluster(extra, 8080, 8081), Path.of("/dev/null"), null);
    return BootstrapTranslator.translate(BootstrapLoader.fromText(yaml, "test"), Optional.empty(), Optional.empty()).clusters().get(0);
  }

  private static void refused(String extra, String... parts) {
    assertThatThrownBy(() -> translate(extra)).isInstanceOf(ConfigException.class).message().contains(parts);
  }

  @Test
  void istioStyleOutlierDetectionGetsEnvoyDefaults() {
    // What Istio generates for a DestinationRule's outlierDetection (success rate explicitly off) and minHealthPercent.
    ClusterConfig c = translate("""
        outlier_detection:
          consecutive_5xx: 7
          interval: 5s
          base_ejection_time: 15s
          max_ejection_percent: 100
          enforcing_consecutive_5xx: 100
          enforcing_success_rate: 0
        common_lb_config: {healthy_panic_threshold: {value: 0}}
        """);
    OutlierConfig o = c.health().outlier().orElseThrow();
    assertThat(o.consecutive5xx()).isEqualTo(7);
    assertThat(o.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.baseEjectionTime()).isEqualTo(Duration.ofSeconds(15));
    assertThat(o.maxEjectionTime()).isEqualTo(Duration.ofSeconds(300)); // Envoy: max(300 s, base)
    assertThat(o.consecutiveGatewayFailure()).isEqualTo(5);
    assertThat(o.enforcingConsecutiveGatewayFailure()).isZero();
    assertThat(o.consecutiveLocalOriginFailure()).isEqualTo(5);
    assertThat(o.successfulActiveHealthCheckUnejectHost()).isTrue();
    assertThat(o.enforcingSuccessRate()).isZero();
    assertThat(o.successRateMinimumHosts()).isEqualTo(5);
    assertThat(o.successRateRequestVolume()).isEqualTo(100);
    assertThat(o.successRateStdevFactor()).isEqualTo(1900);
    assertThat(o.failurePercentageThreshold()).isEqualTo(85);
    assertThat(o.enforcingFailurePercentage()).isZero();
    assertThat(translate("outlier_detection: {}").health().outlier().orElseThrow().enforcingSuccessRate()).isEqualTo(100);
    assertThat(c.health().panicThresholdPercent()).isZero();
    assertThat(translate(null).health().panicThresholdPercent()).isEqualTo(50);
  }

  @Test
  void healthCheckDefaults() {
    HealthCheckConfig h = translate("""
        health_checks:
        - {timeout: 1s, interval: 2s, unhealthy_threshold: 3, healthy_threshold: 2, http_health_check: {path: /hz}}
        """).health().healthCheck().orElseThrow();
    assertThat(h.noTrafficInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(h.unhealthyInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(h.healthyEdgeInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(h.reuseConnection()).isTrue();
    HealthCheckConfig.HttpCheck http = h.http().orElseThrow();
    assertThat(http.host()).isEqualTo("c"); // the cluster name, as Envoy
    assertThat(http.expected(200)).isTrue();
    assertThat(http.expected(204)).isFalse();
    assertThat(http.http2()).isFalse();
  }

  @Test
  void grpcHealthCheckDefaultsItsAuthorityToTheClusterName() {
    HealthCheckConfig.GrpcCheck g = translate("""
        http2_protocol_options: {}
        health_checks:
        - {timeout: 1s, interval: 2s, unhealthy_threshold: 3, healthy_threshold: 2, grpc_health_check: {service_name: svc}}
        """).health().healthCheck().orElseThrow().grpc().orElseThrow();
    assertThat(g.serviceName()).isEqualTo("svc");
    assertThat(g.authority()).isEqualTo("c");
    ClusterConfig c = translate("""
        common_lb_config: {ignore_new_hosts_until_first_hc: true}
        """);
    assertThat(c.health().ignoreNewHostsUntilFirstHc()).isTrue();
    assertThat(translate(null).health().ignoreNewHostsUntilFirstHc()).isFalse();
  }

  @Test
  void unsupportedOrInvalidFieldsAreStartupErrors() {
    refused("""
        health_checks:
        - {timeout: 1s, interval: 2s, unhealthy_threshold: 3, healthy_threshold: 2, grpc_health_check: {}}
        """, "cluster c.health_checks[0].grpc_health_check: the cluster does not use HTTP/2");

    refused("""
        health_checks:
        - {timeout: 1s, interval: 2s, unhealthy_threshold: 3, healthy_threshold: 2, event_log_path: /tmp/x, tcp_health_check: {}}
        """, "cluster c.health_checks[0]", "unsupported field(s) [event_log_path]");
    refused("""
        health_checks:
        - {interval: 2s, unhealthy_threshold: 3, healthy_threshold: 2, tcp_health_check: {}}
        """, "cluster c.health_checks[0].timeout: required");
    refused("""
        health_checks:
        - {timeout: 1s, interval: 2s, unhealthy_threshold: 3, healthy_threshold: 2, http_health_check: {path: /, expected_statuses: [{start: 200, end: 700}]}}
        """, "http_health_check.expected_statuses", "[200, 700)");
    refused("""
        health_checks:
        - {timeout: 1s, interval: 2s, unhealthy_threshold: 3, healthy_threshold: 2, tcp_health_check: {}}
        - {timeout: 1s, interval: 2s, unhealthy_threshold: 3, healthy_threshold: 2, tcp_health_check: {}}
        """, "cluster c.health_checks: only one health check per cluster");
    refused("""
        outlier_detection: {failure_percentage_threshold: 150}
        """, "cluster c.outlier_detection.failure_percentage_threshold: 150 is not a percentage");
    refused("""
        outlier_detection: {monitors: [{name: custom}]}
        """, "cluster c.outlier_detection", "unsupported field(s) [monitors]");
    refused("""
        outlier_detection: {base_ejection_time: 60s, max_ejection_time: 10s}
        """, "cluster c.outlier_detection.max_ejection_time", "cannot be smaller than base_ejection_time");
    refused("""
        common_lb_config: {healthy_panic_threshold: {value: 50}, zone_aware_lb_config: {}}
        """, "cluster c.common_lb_config", "zone_aware_lb_config");
  }

  @Test
  void edsHealthStatusMarksEndpoints() {
    String yaml = Bootstraps.bootstrap(HealthTestSupport.ROUTES, null, """
          - name: c
            type: STATIC
            load_assignment:
              cluster_name: c
              endpoints:
              - lb_endpoints:
                - {endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1}}}, health_status: HEALTHY}
                - {endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 2}}}, health_status: UNHEALTHY}
                - {endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 3}}}, health_status: DRAINING}
                - {endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 4}}}, health_status: TIMEOUT}
                - {endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 5}}}}
        """, Path.of("/dev/null"), null);
    List<ClusterConfig.EndpointAddress> eps = BootstrapTranslator.translate(BootstrapLoader.fromText(yaml, "test"),
        Optional.empty(), Optional.empty()).clusters().get(0).endpoints();
    assertThat(eps).extracting(ClusterConfig.EndpointAddress::failedEdsHealth).containsExactly(false, true, true, true, false);
  }
}
