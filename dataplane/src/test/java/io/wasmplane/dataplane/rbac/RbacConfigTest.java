package io.wasmplane.dataplane.rbac;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RBAC configs we cannot honour are refused once, at load, naming the field and the cause (never ignored: a skipped
 * rule would let through, or shut out, traffic the operator meant otherwise).
 */
class RbacConfigTest {
  private static String httpBootstrap(String rbac) {
    return Bootstraps.withRouteConfig("name: r\nvirtual_hosts: []", null, Bootstraps.staticCluster("c", 9, null), java.nio.file.Path.of("/dev/null"),
        null, """
            - name: envoy.filters.http.rbac
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
            %s
            """.formatted(Bootstraps.indent(rbac, 4)));
  }

  private static String networkBootstrap(String rbac) {
    return """
        static_resources:
          listeners:
          - name: tcp
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.rbac
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
        %s
              - name: envoy.filters.network.tcp_proxy
                typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: c}
          clusters:
        %s
        """.formatted(Bootstraps.indent(rbac, 10), Bootstraps.staticCluster("c", 9, null));
  }

  private static String policy(String permission, String principal) {
    return "rules: {policies: {p1: {permissions: [" + permission + "], principals: [" + principal + "]}}}";
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{any: true}|{metadata: {filter: envoy.filters.http.jwt_authn, path: [{key: payload}], value: {}}}"
          + "|rules.policies[p1].principals[0].metadata.value: a match pattern is required",
      "{metadata: {path: [{key: k}], value: {present_match: true}}}|{any: true}|rules.policies[p1].permissions[0].metadata.filter: required",
      "{any: true}|{metadata: {filter: f, path: [{key: k}], value: {or_match: {value_matchers: [{bool_match: true}]}}}}"
          + "|principals[0].metadata.value.or_match.value_matchers: at least two are required",
      "{uri_template: {name: x}}|{any: true}|rules.policies[p1].permissions[0].uri_template: not supported (supported permissions: any,",
      "{any: true}|{filter_state: {key: k, string_match: {exact: v}}}|rules.policies[p1].principals[0].filter_state: not supported",
      "{any: true}|{remote_ip: {address_prefix: 10.0.0.0, prefix_len: 33}}|principals[0].remote_ip.prefix_len: 33 is out of range",
      "{any: true}|{direct_remote_ip: {address_prefix: example.com, prefix_len: 8}}|direct_remote_ip.address_prefix: 'example.com' is not an IP",
      "{destination_port_range: {start: 10, end: 10}}|{any: true}|permissions[0].destination_port_range: [10, 10) is not a port range",
      "{any: false}|{any: true}|permissions[0].any: must be true",
      "{and_rules: {rules: []}}|{any: true}|permissions[0].and_rules.rules: at least one rule is required",
      "{any: true}|{authenticated: {principal_name: {safe_regex: {regex: '('}}}}|authenticated.principal_name.safe_regex: invalid regex",
  })
  void anUnsupportedOrInvalidRuleIsRefusedNamingItsField(String permission, String principal, String expected) {
    assertThatThrownBy(() -> Bootstraps.start(httpBootstrap(policy(permission, principal)))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress.http_filters envoy.filters.http.rbac.typed_config.")
        .hasMessageContaining(expected);
  }

  @Test
  void theHttpFilterRefusesTheMatcherApiAndPolicyConditions() {
    assertThatThrownBy(() -> Bootstraps.start(httpBootstrap("track_per_rule_stats: true"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("typed_config: unsupported field(s) [track_per_rule_stats]");
    assertThatThrownBy(() -> Bootstraps.start(httpBootstrap(
        "rules: {policies: {p1: {permissions: [{any: true}], principals: [{any: true}], condition: {const_expr: {bool_value: true}}}}}")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("rules.policies[p1]: unsupported field(s) [condition]");
    assertThatThrownBy(() -> Bootstraps.start(httpBootstrap("rules: {policies: {p1: {permissions: [{any: true}]}}}")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("rules.policies[p1].principals: at least one principal is required");
  }

  @Test
  void theNetworkFilterNeedsAStatPrefixAndRefusesContinuousEnforcement() {
    assertThatThrownBy(() -> Bootstraps.start(networkBootstrap(policy("{any: true}", "{any: true}")))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener tcp.filter_chains[0].filters[0].typed_config.stat_prefix: required");
    assertThatThrownBy(() -> Bootstraps.start(networkBootstrap("stat_prefix: t\nenforcement_type: CONTINUOUS")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("typed_config.enforcement_type: CONTINUOUS is not supported");
    assertThatThrownBy(() -> Bootstraps.start(networkBootstrap("stat_prefix: t\n" + policy("{any: true}",
        "{filter_state: {key: k, string_match: {exact: v}}}"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("typed_config.rules.policies[p1].principals[0].filter_state: not supported");
  }
}
