package io.wasmplane.dataplane.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.config.RouteAction;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Route fields and values this data plane does not implement (or Envoy refuses) are startup errors naming the route,
 * the field and the cause; fields Envoy ignores without tracing/CORS/etc are accepted.
 */
class RouteConfigErrorsTest {
  private static final String CLUSTERS = Bootstraps.staticCluster("a", 8080, null);

  private static DataplaneConfig translate(String routeConfig) {
    return BootstrapTranslator.translate(BootstrapLoader.fromText(
        Bootstraps.withRouteConfig(routeConfig, null, CLUSTERS, Path.of("/dev/null"), null), "test"), Optional.empty(), Optional.empty());
  }

  /** A route configuration whose one route has {@code routeExtra} and whose route action has {@code actionExtra}. */
  private static String config(String rcExtra, String vhExtra, String routeExtra, String actionExtra) {
    return """
        name: rc
        %s
        virtual_hosts:
        - name: vh
          domains: ["*"]
          %s
          routes:
          - name: r0
            match: {prefix: "/"}
            route: {cluster: a %s}
            %s
        """.formatted(rcExtra, vhExtra, actionExtra.isEmpty() ? "" : ", " + actionExtra, routeExtra);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "vhds                      | vhds: {config_source: {ads: {}}} | | | | unsupported field(s) [vhds]",
      "mirror by cluster_header  | | | | request_mirror_policies: [{cluster_header: x-mirror}] | request_mirror_policies[0]: unsupported field(s) [cluster_header]",
      "mirror to unknown cluster | | | | request_mirror_policies: [{cluster: nope}] | request_mirror_policies[0]: unknown cluster 'nope'",
      "mirror on a virtual host  | | request_mirror_policies: [{cluster: a}] | | | unsupported field(s) [request_mirror_policies]",
      "hash_policy filter_state  | | | | hash_policy: [{header: {header_name: x-user}}, {filter_state: {key: k}}] | hash_policy[1].filter_state: not supported",
      "hash_policy empty header  | | | | hash_policy: [{header: {header_name: \"\"}}] | hash_policy[0].header.header_name: must not be empty",
      "hash_policy no specifier  | | | | hash_policy: [{terminal: true}] | hash_policy[0]: one of header, cookie, connection_properties, query_parameter is required",
      "priority HIGH             | | | | priority: HIGH | .priority: HIGH is not supported",
      "connect_config allow_post | | | | upgrade_configs: [{upgrade_type: CONNECT, connect_config: {allow_post: true}}] | upgrade_configs[0].connect_config: unsupported field(s) [allow_post]",
      "max_grpc_timeout          | | | | max_grpc_timeout: 5s | unsupported field(s) [max_grpc_timeout]",
      "wasm per-route config     | | | typed_per_filter_config: {envoy.filters.http.wasm: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm}} | | doesn't support virtual host or route specific configurations",
      "router per-route config   | | typed_per_filter_config: {envoy.filters.http.router: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}} | | | doesn't support virtual host or route specific configurations",
      "filter disabled per route | | | typed_per_filter_config: {envoy.filters.http.wasm: {\"@type\": type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: true}} | | .disabled: disabling a filter per route is not supported",
      "append and append_action  | | | request_headers_to_add: [{header: {key: x-a, value: b}, append: true, append_action: ADD_IF_ABSENT}] | | both append and append_action are set",
      "host header added         | | | request_headers_to_add: [{header: {key: Host, value: b}}] | | ':'-prefixed or host headers may not be modified",
      "pseudo-header removed     | response_headers_to_remove: [\":status\"] | | | | ':'-prefixed or host headers may not be modified",
      "lone percent in a value   | | | request_headers_to_add: [{header: {key: x-a, value: \"50% off\"}}] | | a '%' that starts no operator",
      "unknown operator          | | | request_headers_to_add: [{header: {key: x-a, value: \"%NOPE%\"}}] | | unsupported access log operator %NOPE%",
      "CRLF in a header value    | | | response_headers_to_add: [{header: {key: x-a, value: \"a\\r\\nb: c\"}}] | | must not contain CR, LF or NUL",
      "rewrite group missing     | | | | regex_rewrite: {pattern: {regex: \"^/(a)\"}, substitution: \"/\\\\2\"} | regex_rewrite.substitution: '/\\2' refers to group \\2 but the pattern has 1 capture group(s)",
      "empty cluster_header      | | | | cluster_header: \"\" | cluster_header: must name a header",
  })
  void refusedWithTheFieldAndTheCause(String name, String rc, String vh, String route, String action, String message) {
    String cfg = config(rc == null ? "" : rc, vh == null ? "" : vh, route == null ? "" : route, action == null ? "" : action);
    if (name.startsWith("empty cluster_header")) {
      cfg = cfg.replace("cluster: a , cluster_header: \"\"", "cluster_header: \"\"");
    }
    String c = cfg;
    assertThatThrownBy(() -> translate(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress").hasMessageContaining(message);
  }

  @Test
  void weightedClusterTotalWeightMustBeTheSum() {
    String cfg = config("", "", "", "").replace("route: {cluster: a }",
        "route: {weighted_clusters: {total_weight: 100, clusters: [{name: a, weight: 30}]}}");
    assertThatThrownBy(() -> translate(cfg)).hasMessageContaining("weighted_clusters.total_weight: 100 is not the sum of the weights (30)");
  }

  @Test
  void pathSeparatedPrefixMustNotEndWithASlash() {
    String cfg = config("", "", "", "").replace("match: {prefix: \"/\"}", "match: {path_separated_prefix: \"/api/\"}");
    assertThatThrownBy(() -> translate(cfg)).hasMessageContaining("routes[0].match.path_separated_prefix: must start with '/', not end with '/'");
  }

  @Test
  void directResponseBodiesAreBoundedByMaxDirectResponseBodySize() {
    String big = "x".repeat(5000);
    String cfg = """
        name: rc
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            direct_response: {status: 200, body: {inline_string: "%s"}}
        """.formatted(big);
    assertThatThrownBy(() -> translate(cfg)).hasMessageContaining("direct_response.body: 5000 bytes, more than max_direct_response_body_size_bytes (4096)");
    assertThat(translate("max_direct_response_body_size_bytes: 8192\n" + cfg)).isNotNull();
  }

  @Test
  void fieldsEnvoyIgnoresWithoutTracingCorsOrRetriesAreAccepted() {
    DataplaneConfig c = translate(config("metadata: {filter_metadata: {x: {y: z}}}",
        "include_request_attempt_count: true",
        """
        decorator: {operation: "svc:80/*"}
            metadata: {filter_metadata: {istio: {config: vs}}}
            typed_per_filter_config:
              envoy.filters.http.cors: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy, allow_methods: GET}
              envoy.filters.http.fault: {"@type": type.googleapis.com/envoy.config.route.v3.FilterConfig, is_optional: true,
                config: {"@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault}}""",
        "priority: DEFAULT, timeout: 0s, max_stream_duration: {max_stream_duration: 0s, grpc_timeout_header_max: 0s}"));
    var route = c.listeners().get(0).hcm().routes().virtualHosts().get(0).routes().get(0);
    assertThat(route.name()).isEqualTo("r0");
    assertThat(((RouteAction.Forward) route.action()).timeout()).isZero();
  }
}
