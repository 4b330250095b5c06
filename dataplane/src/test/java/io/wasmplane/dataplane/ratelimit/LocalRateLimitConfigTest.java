package io.wasmplane.dataplane.ratelimit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Local rate limit configs that are invalid, or ask for what is not built here, are refused at load naming the
 * filter, the field and the cause (a limit silently ignored would let through traffic the operator meant to shed).
 */
class LocalRateLimitConfigTest {
  private static final String RL = "\"@type\": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";

  /** Field lines in a @CsvSource value are separated by '~'. */
  private static String lines(String fields) {
    return fields == null ? null : fields.replace('~', '\n');
  }

  private static String httpBootstrap(String filterFields, String perRouteFields) {
    String perRoute = perRouteFields == null ? "" : """
        typed_per_filter_config:
          envoy.filters.http.local_ratelimit:
            %s
        %s
        """.formatted(RL, Bootstraps.indent(perRouteFields, 4));
    String routes = """
        name: r
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: c}
        %s
        """.formatted(Bootstraps.indent(perRoute, 4));
    return Bootstraps.withRouteConfig(routes, null, Bootstraps.staticCluster("c", 9, null), Path.of("/dev/null"), null, """
        - name: envoy.filters.http.local_ratelimit
          typed_config:
            %s
        %s
        """.formatted(RL, Bootstraps.indent(filterFields, 4)));
  }

  private static String networkBootstrap(String fields) {
    return """
        static_resources:
          listeners:
          - name: tcp
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.local_ratelimit
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit
        %s
              - name: envoy.filters.network.tcp_proxy
                typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: c}
          clusters:
        %s
        """.formatted(Bootstraps.indent(fields, 10), Bootstraps.staticCluster("c", 9, null));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "token_bucket: {max_tokens: 1, fill_interval: 1s}|typed_config.stat_prefix: required",
      "stat_prefix: rl~token_bucket: {max_tokens: 1, fill_interval: 0s}|typed_config.token_bucket.fill_interval: must be greater than 0",
      "stat_prefix: rl~token_bucket: {max_tokens: 1}|typed_config.token_bucket.fill_interval: required",
      "stat_prefix: rl~token_bucket: {max_tokens: 1, fill_interval: 0.01s}|typed_config.token_bucket.fill_interval: must be >= 50ms",
      "stat_prefix: rl~token_bucket: {max_tokens: 0, fill_interval: 1s}|typed_config.token_bucket.max_tokens: must be greater than 0",
      "stat_prefix: rl~token_bucket: {max_tokens: 1, tokens_per_fill: 0, fill_interval: 1s}|typed_config.token_bucket.tokens_per_fill: must be greater than 0",
      "stat_prefix: rl~descriptors: [{entries: [{key: k, value: v}], token_bucket: {max_tokens: 1, fill_interval: 1s}}]"
          + "|typed_config.descriptors: need this filter's rate_limits",
      "stat_prefix: rl~rate_limits: [{actions: [{generic_key: {descriptor_value: a}}]}]"
          + "~descriptors: [{entries: [{key: generic_key}], token_bucket: {max_tokens: 1, fill_interval: 1s}}]"
          + "|typed_config.descriptors[0].entries[0].value: required (wildcard descriptors are not supported)",
      "stat_prefix: rl~rate_limits: [{actions: [{generic_key: {descriptor_value: a}}]}]"
          + "~descriptors: [{entries: [{key: generic_key, value: a}]}]|typed_config.descriptors[0].token_bucket: required",
      "stat_prefix: rl~rate_limits: [{actions: [{source_cluster: {}}]}]"
          + "|typed_config.rate_limits[0].actions[0].source_cluster: not supported (supported actions: request_headers,",
      "stat_prefix: rl~rate_limits: [{actions: [{request_headers: {header_name: x-a}}]}]"
          + "|typed_config.rate_limits[0].actions[0].request_headers.descriptor_key: required",
      "stat_prefix: rl~local_cluster_rate_limit: {}|typed_config: unsupported field(s) [local_cluster_rate_limit]",
      "stat_prefix: rl~request_headers_to_add_when_not_enforced: [{header: {key: ':path', value: x}}]"
          + "|typed_config.request_headers_to_add_when_not_enforced[0].header.key",
  })
  void aBadHttpFilterConfigIsRefusedNamingItsField(String fields, String expected) {
    assertThatThrownBy(() -> Bootstraps.start(httpBootstrap(lines(fields), null))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("envoy.filters.http.local_ratelimit." + expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "stat_prefix: per_route|.token_bucket: required in a per-route config",
      "stat_prefix: per_route~token_bucket: {max_tokens: 1, fill_interval: 0s}|.token_bucket.fill_interval: must be greater than 0",
      "stat_prefix: per_route~token_bucket: {max_tokens: 1, fill_interval: 1s}~rate_limits: [{stage: 1, actions: [{remote_address: {}}]}]"
          + "|.rate_limits[0]: unsupported field(s) [stage]",
  })
  void aBadPerRouteConfigIsRefusedNamingItsField(String fields, String expected) {
    assertThatThrownBy(() -> Bootstraps.start(httpBootstrap("stat_prefix: rl", lines(fields)))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("typed_per_filter_config[envoy.filters.http.local_ratelimit]" + expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "token_bucket: {max_tokens: 1, fill_interval: 1s}|typed_config.stat_prefix: required",
      "stat_prefix: t|typed_config.token_bucket: required",
      "stat_prefix: t~token_bucket: {max_tokens: 1, fill_interval: 0s}|typed_config.token_bucket.fill_interval: must be greater than 0",
      "stat_prefix: t~token_bucket: {max_tokens: 1, fill_interval: 1s}~share_key: k|typed_config: unsupported field(s) [share_key]",
  })
  void aBadNetworkFilterConfigIsRefusedNamingItsField(String fields, String expected) {
    assertThatThrownBy(() -> Bootstraps.start(networkBootstrap(lines(fields)))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener tcp.filter_chains[0].filters[0]." + expected);
  }
}
