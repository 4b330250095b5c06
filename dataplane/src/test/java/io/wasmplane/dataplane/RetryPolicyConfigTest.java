package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.config.RetryOn;
import io.wasmplane.dataplane.config.RetryPolicy;
import io.wasmplane.dataplane.config.RouteAction;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** retry_policy (route and virtual host) and circuit_breakers.max_retries are parsed once or refused by name. */
class RetryPolicyConfigTest {
  private static DataplaneConfig translate(String vhostExtra, String routeRetry, String clusterExtra) {
    String routes = """
        - name: all
          domains: ["*"]
        %s
          routes:
          - match: {prefix: "/"}
            route:
              cluster: a
        %s
        """.formatted(Bootstraps.indent(vhostExtra, 2), Bootstraps.indent(routeRetry, 6));
    String yaml = Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("a", 8080, clusterExtra), Path.of("/dev/null"), null);
    return BootstrapTranslator.translate(BootstrapLoader.fromText(yaml, "test"), Optional.empty(), Optional.empty());
  }

  private static RouteAction.Forward route(DataplaneConfig c) {
    return (RouteAction.Forward) c.listeners().get(0).hcm().routes().virtualHosts().get(0).routes().get(0).action();
  }

  @Test
  void anIstioPolicyIsParsedWithEnvoysDefaults() {
    RouteAction.Forward f = route(translate(null, """
        retry_policy:
          retry_on: connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes
          num_retries: 2
          retry_host_predicate:
          - name: envoy.retry_host_predicates.previous_hosts
            typed_config: {"@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate}
          host_selection_retry_max_attempts: 5
          retriable_status_codes: [503]
        """, null));
    RetryPolicy p = f.retryPolicy();
    assertThat(p.retryOn()).isEqualTo(RetryOn.CONNECT_FAILURE.bit | RetryOn.REFUSED_STREAM.bit | RetryOn.GRPC_UNAVAILABLE.bit
        | RetryOn.GRPC_CANCELLED.bit | RetryOn.RETRIABLE_STATUS_CODES.bit);
    assertThat(p.numRetries()).isEqualTo(2);
    assertThat(p.omitPreviousHosts()).isTrue();
    assertThat(p.hostSelectionMaxAttempts()).isEqualTo(5);
    assertThat(p.retriableStatusCodes()).containsExactly(503);
    assertThat(p.perTryTimeout()).isZero();
    assertThat(p.baseInterval()).isEqualTo(Duration.ofMillis(25));
    assertThat(p.maxInterval()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void theRoutePolicyWinsOverTheVirtualHostsWithoutMerging() {
    String vhost = """
        retry_policy: {retry_on: 5xx, num_retries: 3, per_try_timeout: 1s}
        include_request_attempt_count: true
        """;
    RouteAction.Forward inherited = route(translate(vhost, null, null));
    assertThat(inherited.retryPolicy().has(RetryOn.FIVE_XX)).isTrue();
    assertThat(inherited.retryPolicy().numRetries()).isEqualTo(3);
    assertThat(inherited.requestAttemptCount()).isTrue();
    assertThat(inherited.responseAttemptCount()).isFalse();
    RouteAction.Forward own = route(translate(vhost, "retry_policy: {retry_on: reset, retry_back_off: {base_interval: 0.1s}}", null));
    assertThat(own.retryPolicy().retryOn()).isEqualTo(RetryOn.RESET.bit);
    assertThat(own.retryPolicy().numRetries()).isEqualTo(1);
    assertThat(own.retryPolicy().perTryTimeout()).isZero();
    assertThat(own.retryPolicy().maxInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(route(translate(null, null, null)).retryPolicy()).isSameAs(RetryPolicy.NONE);
  }

  @Test
  void badPoliciesAreStartupErrorsNamingTheField() {
    List<String[]> cases = List.of(
        new String[] {"retry_policy: {retry_on: \"5xx,bogus\"}", "routes[0].route.retry_policy.retry_on: unknown retry condition 'bogus'"},
        new String[] {"retry_policy: {retry_on: reset-before-request}", "retry condition 'reset-before-request' is not supported"},
        new String[] {"retry_policy: {retry_on: 5xx, retry_priority: {name: envoy.retry_priorities.previous_priorities}}",
            "retry_policy: unsupported field(s) [retry_priority]"},
        new String[] {"retry_policy: {retry_on: 5xx, rate_limited_retry_back_off: {reset_headers: [{name: retry-after}]}}",
            "unsupported field(s) [rate_limited_retry_back_off]"},
        new String[] {"retry_policy: {retry_on: 5xx, retry_host_predicate: [{name: envoy.retry_host_predicates.omit_canary_hosts}]}",
            "retry_policy.retry_host_predicate[0]: unsupported retry host predicate 'envoy.retry_host_predicates.omit_canary_hosts'"},
        new String[] {"retry_policy: {retry_on: 5xx, retry_back_off: {base_interval: 1s, max_interval: 0.5s}}",
            "retry_back_off.max_interval: must be greater than or equal to base_interval"},
        new String[] {"retry_policy: {retry_on: 5xx, retry_back_off: {max_interval: 0.5s}}", "retry_back_off.base_interval: required"},
        new String[] {"retry_policy: {retry_on: 5xx, retriable_status_codes: [99]}", "retriable_status_codes: 99 is not an HTTP status"});
    for (String[] c : cases) {
      assertThatThrownBy(() -> translate(null, c[0], null)).as(c[0]).isInstanceOf(ConfigException.class)
          .hasMessageContaining("listener ingress").hasMessageContaining(c[1]);
    }
    assertThatThrownBy(() -> translate("retry_policy: {retry_on: 5xx, per_try_idle_timeout: 1s}", null, null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("virtual_hosts[0] all.retry_policy: unsupported field(s) [per_try_idle_timeout]");
  }

  @Test
  void theMaxRetriesCircuitBreakerDefaultsToThree() {
    assertThat(translate(null, null, null).cluster("a").orElseThrow().limits().maxRetries()).isEqualTo(3);
    ClusterConfig c = translate(null, null, "circuit_breakers: {thresholds: [{max_retries: 7}]}").cluster("a").orElseThrow();
    assertThat(c.limits().maxRetries()).isEqualTo(7);
    assertThat(c.limits().maxRequests()).isEqualTo(1024);
  }
}
