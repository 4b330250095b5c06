package io.wasmplane.dataplane.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.config.HashPolicy;
import io.wasmplane.dataplane.config.RouteAction;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * lb_policy, ring_hash_lb_config, maglev_lb_config and load_balancing_weight are validated once into immutable config
 * with Envoy's defaults; bad values are startup errors naming the cluster, the field and the cause.
 */
class LbPolicyConfigTest {
  private static DataplaneConfig translate(String clusterExtra, String endpointExtra) {
    String cluster = """
          - name: c
            connect_timeout: 1s
            type: STATIC
        %s
            load_assignment:
              cluster_name: c
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8080}}} %s}]}]
        """.formatted(Bootstraps.indent(clusterExtra, 4), endpointExtra);
    String routes = """
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: c, hash_policy: [{header: {header_name: X-User, regex_rewrite: {pattern: {regex: "^(.*)-.*$"}, substitution: "\\\\1"}}},
                {cookie: {name: s, ttl: 0s}, terminal: true}, {connection_properties: {source_ip: true}}, {connection_properties: {source_ip: false}},
                {query_parameter: {name: u}}]}
        """;
    return BootstrapTranslator.translate(BootstrapLoader.fromText(
        Bootstraps.bootstrap(routes, null, cluster, Path.of("/dev/null"), null), "test"), Optional.empty(), Optional.empty());
  }

  private static ClusterConfig cluster(String extra) {
    return translate(extra, "").clusters().stream().filter(c -> c.name().equals("c")).findFirst().orElseThrow();
  }

  @Test
  void istioEndpointMetadataIsAcceptedAndOnlyItsTransportSocketMatchLabelsKept() {
    ClusterConfig c = translate("", ", metadata: {filter_metadata: {istio: {workload: \"reviews-v1;default;reviews;v1;Kubernetes\"},"
        + " envoy.transport_socket_match: {tlsMode: istio}}}").clusters().stream().filter(x -> x.name().equals("c"))
        .findFirst().orElseThrow();
    assertThat(c.endpoints()).containsExactly(new ClusterConfig.EndpointAddress("127.0.0.1", 8080, false, false, 1,
        new io.wasmplane.dataplane.config.TransportSocketMatch.HostLabels(
            java.util.Map.of("tlsMode", com.google.protobuf.Value.newBuilder().setStringValue("istio").build()), java.util.Map.of())));
  }

  @Test
  void envoysDefaults() {
    ClusterConfig ring = cluster("lb_policy: RING_HASH");
    assertThat(ring.lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.RING_HASH);
    assertThat(ring.hashLb()).isEqualTo(new ClusterConfig.HashLbConfig(1024, 8L * 1024 * 1024, false, 65537));
    assertThat(cluster("lb_policy: MAGLEV\nmaglev_lb_config: {table_size: 251}").hashLb().maglevTableSize()).isEqualTo(251);
    assertThat(cluster("lb_policy: RING_HASH\nring_hash_lb_config: {minimum_ring_size: 8, maximum_ring_size: 8, hash_function: MURMUR_HASH_2}")
        .hashLb()).isEqualTo(new ClusterConfig.HashLbConfig(8, 8, true, 65537));
    assertThat(cluster("lb_policy: RANDOM").lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.RANDOM);
  }

  @Test
  void weightsAndHashPolicyParseOnce() {
    DataplaneConfig cfg = translate("lb_policy: RING_HASH", ", load_balancing_weight: 7");
    assertThat(cfg.clusters().stream().filter(c -> c.name().equals("c")).findFirst().orElseThrow().endpoints().get(0).weight())
        .isEqualTo(7);
    RouteAction.Forward f = (RouteAction.Forward) cfg.listeners().get(0).hcm().routes().virtualHosts().get(0).routes().get(0).action();
    HashPolicy p = f.hashPolicy();
    assertThat(p.methods()).hasSize(4); // source_ip: false adds nothing, as in Envoy
    HashPolicy.Header h = (HashPolicy.Header) p.methods().get(0);
    assertThat(h.name()).isEqualTo("x-user");
    assertThat(h.rewrite().rewritePath("alice-42")).isEqualTo("alice");
    assertThat(p.methods().get(1)).isEqualTo(new HashPolicy.Cookie("s", Duration.ZERO, "", java.util.List.of(), true));
    assertThat(p.methods().get(2)).isEqualTo(new HashPolicy.SourceIp(false));
    assertThat(p.methods().get(3)).isEqualTo(new HashPolicy.QueryParameter("u", false));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "min > max            | lb_policy: RING_HASH\\nring_hash_lb_config: {minimum_ring_size: 2048, maximum_ring_size: 1024} "
          + "| cluster c.ring_hash_lb_config: minimum_ring_size (2048) > maximum_ring_size (1024)",
      "min above Envoy's cap | lb_policy: RING_HASH\\nring_hash_lb_config: {minimum_ring_size: 8388609} "
          + "| cluster c.ring_hash_lb_config.minimum_ring_size: 8388609 is not in 1..8388608",
      "table not prime      | lb_policy: MAGLEV\\nmaglev_lb_config: {table_size: 65536} "
          + "| cluster c.maglev_lb_config.table_size: 65536 must be a prime number",
      "table too large      | lb_policy: MAGLEV\\nmaglev_lb_config: {table_size: 5000101} "
          + "| cluster c.maglev_lb_config.table_size: 5000101 must be a prime number up to 5000011",
      "unsupported policy   | lb_policy: CLUSTER_PROVIDED | cluster c.lb_policy: CLUSTER_PROVIDED is not supported",
  })
  void refused(String name, String extra, String message) {
    assertThatThrownBy(() -> cluster(extra.replace("\\n", "\n"))).isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }

  @Test
  void unequalWeightsAreAcceptedByEveryPolicy() {
    String two = ", load_balancing_weight: 2}, {endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8081}}}";
    for (String policy : new String[] {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV"}) {
      assertThat(translate("lb_policy: " + policy, two).clusters().stream().filter(c -> c.name().equals("c")).findFirst().orElseThrow()
          .endpoints()).extracting(ClusterConfig.EndpointAddress::weight).containsExactly(2, 1);
    }
  }

  @Test
  void leastRequestSettingsFromTheLegacyFieldOrThePolicyExtension() {
    assertThat(cluster("lb_policy: LEAST_REQUEST").leastRequest()).isEqualTo(new ClusterConfig.LeastRequestLbConfig(2, 1.0));
    assertThat(cluster("lb_policy: LEAST_REQUEST\nleast_request_lb_config: {choice_count: 5, active_request_bias: {default_value: 0.5,"
        + " runtime_key: lr.bias}}").leastRequest()).isEqualTo(new ClusterConfig.LeastRequestLbConfig(5, 0.5));
    ClusterConfig ext = cluster("""
        load_balancing_policy:
          policies:
          - typed_extension_config:
              name: envoy.load_balancing_policies.least_request
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest
                choice_count: 3
                active_request_bias: {default_value: 2}
        """);
    assertThat(ext.lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.LEAST_REQUEST);
    assertThat(ext.leastRequest()).isEqualTo(new ClusterConfig.LeastRequestLbConfig(3, 2.0));
    assertThat(ext.localityWeightedLb()).isFalse();
    assertThat(cluster("""
        load_balancing_policy:
          policies:
          - typed_extension_config:
              name: envoy.load_balancing_policies.least_request
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest
                locality_lb_config: {locality_weighted_lb_config: {}}
        """).localityWeightedLb()).isTrue();
    // The extension wins over lb_policy and the legacy configs, as in Envoy.
    ClusterConfig rr = cluster("""
        lb_policy: LEAST_REQUEST
        least_request_lb_config: {choice_count: 4}
        load_balancing_policy:
          policies:
          - typed_extension_config:
              name: envoy.load_balancing_policies.round_robin
              typed_config: {"@type": type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin}
        """);
    assertThat(rr.lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.ROUND_ROBIN);
    assertThat(rr.leastRequest()).isEqualTo(ClusterConfig.LeastRequestLbConfig.DEFAULT);
    assertThat(cluster("""
        load_balancing_policy:
          policies:
          - typed_extension_config:
              name: envoy.load_balancing_policies.random
              typed_config: {"@type": type.googleapis.com/envoy.extensions.load_balancing_policies.random.v3.Random}
        """).lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.RANDOM);
    assertThat(cluster("lb_policy: ROUND_ROBIN\nround_robin_lb_config: {}").lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.ROUND_ROBIN);
  }

  @Test
  void slowStartConfigsOfRoundRobinAndLeastRequestWithEnvoysDefaults() {
    // Istio's DestinationRule warmupDurationSecs: only the window; aggression 1.0 and min_weight_percent 10 by default.
    assertThat(cluster("round_robin_lb_config: {slow_start_config: {slow_start_window: 10s}}").slowStart())
        .isEqualTo(new ClusterConfig.SlowStartConfig(Duration.ofSeconds(10), 1.0, 10));
    ClusterConfig lr = cluster("""
        lb_policy: LEAST_REQUEST
        least_request_lb_config:
          slow_start_config: {slow_start_window: 2.5s, aggression: {default_value: 2, runtime_key: x}, min_weight_percent: {value: 5}}
        """);
    assertThat(lr.slowStart()).isEqualTo(new ClusterConfig.SlowStartConfig(Duration.ofMillis(2500), 2.0, 5));
    assertThat(cluster("""
        load_balancing_policy:
          policies:
          - typed_extension_config:
              name: envoy.load_balancing_policies.least_request
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest
                slow_start_config: {slow_start_window: 30s, aggression: {default_value: 1.5}}
        """).slowStart()).isEqualTo(new ClusterConfig.SlowStartConfig(Duration.ofSeconds(30), 1.5, 10));
    assertThat(cluster("""
        load_balancing_policy:
          policies:
          - typed_extension_config:
              name: envoy.load_balancing_policies.round_robin
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin
                slow_start_config: {slow_start_window: 1s}
        """).slowStart()).isEqualTo(new ClusterConfig.SlowStartConfig(Duration.ofSeconds(1), 1.0, 10));
    // No window (Envoy: slow start off), no config, and the config of a policy the cluster does not use: no slow start.
    assertThat(cluster("round_robin_lb_config: {slow_start_config: {aggression: {default_value: 3}}}").slowStart().enabled()).isFalse();
    assertThat(cluster("").slowStart()).isEqualTo(ClusterConfig.SlowStartConfig.NONE);
    assertThat(cluster("lb_policy: LEAST_REQUEST\nround_robin_lb_config: {slow_start_config: {slow_start_window: 10s}}").slowStart().enabled())
        .isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "choice_count 1       | lb_policy: LEAST_REQUEST\\nleast_request_lb_config: {choice_count: 1} "
          + "| cluster c.least_request_lb_config.choice_count: 1 must be at least 2",
      "negative bias        | lb_policy: LEAST_REQUEST\\nleast_request_lb_config: {active_request_bias: {default_value: -1}} "
          + "| cluster c.least_request_lb_config.active_request_bias.default_value: -1.0 must be a finite number >= 0",
      "aggression 0 (LR)    | lb_policy: LEAST_REQUEST\\nleast_request_lb_config: {slow_start_config: {slow_start_window: 10s, "
          + "aggression: {default_value: 0, runtime_key: a}}} "
          + "| cluster c.least_request_lb_config.slow_start_config.aggression.default_value: 0.0 must be a finite number > 0",
      "negative aggression  | round_robin_lb_config: {slow_start_config: {slow_start_window: 10s, aggression: {default_value: -2}}} "
          + "| cluster c.round_robin_lb_config.slow_start_config.aggression.default_value: -2.0 must be a finite number > 0",
      "negative window      | round_robin_lb_config: {slow_start_config: {slow_start_window: -1s}} "
          + "| cluster c.round_robin_lb_config.slow_start_config.slow_start_window: must not be negative",
      "min weight above 100 | round_robin_lb_config: {slow_start_config: {slow_start_window: 1s, min_weight_percent: {value: 150}}} "
          + "| cluster c.round_robin_lb_config.slow_start_config.min_weight_percent: 150.0 is not in 0..100",
      "unknown extension    | load_balancing_policy: {policies: [{typed_extension_config: {name: wrr, typed_config: {'@type': "
          + "type.googleapis.com/google.protobuf.Empty}}}]} "
          + "| cluster c.load_balancing_policy.policies[0].typed_extension_config: unsupported policy 'wrr' (type "
          + "type.googleapis.com/google.protobuf.Empty); supported: envoy.load_balancing_policies.round_robin",
      "no policy            | load_balancing_policy: {} | cluster c.load_balancing_policy.policies: at least one policy is required",
      "full scan            | load_balancing_policy: {policies: [{typed_extension_config: {name: lr, typed_config: {'@type': "
          + "type.googleapis.com/envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest, selection_method: FULL_SCAN}}}]} "
          + "| selection_method FULL_SCAN (or enable_full_scan) is not supported",
      "extension aggression | load_balancing_policy: {policies: [{typed_extension_config: {name: rr, typed_config: {'@type': "
          + "type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin, slow_start_config: "
          + "{slow_start_window: 5s, aggression: {default_value: -0.5}}}}}]} "
          + "| cluster c.load_balancing_policy.policies[0].typed_extension_config.typed_config.slow_start_config.aggression.default_value: "
          + "-0.5 must be a finite number > 0",
      "zone aware           | load_balancing_policy: {policies: [{typed_extension_config: {name: rr, typed_config: {'@type': "
          + "type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin, locality_lb_config: "
          + "{zone_aware_lb_config: {}}}}}]} "
          + "| cluster c.load_balancing_policy.policies[0].typed_extension_config.typed_config.locality_lb_config: unsupported field(s) "
          + "[zone_aware_lb_config]",
  })
  void leastRequestAndRoundRobinConfigsRefused(String name, String extra, String message) {
    assertThatThrownBy(() -> cluster(extra.replace("\\n", "\n"))).isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }

  @Test
  void localityWeightIsAcceptedAndIgnoredAsEnvoyDoesWithoutLocalityWeightedLb() {
    String withLocality = Bootstraps.staticCluster("l", 8080, null).replace("endpoints: [{lb_endpoints:",
        "endpoints: [{load_balancing_weight: 5, lb_endpoints:");
    assertThat(withLocality).contains("load_balancing_weight: 5");
    DataplaneConfig c = BootstrapTranslator.translate(BootstrapLoader.fromText(Bootstraps.bootstrap("""
        - name: vh
          domains: ["*"]
          routes: [{match: {prefix: "/"}, route: {cluster: l}}]
        """, null, withLocality, Path.of("/dev/null"), null), "test"), Optional.empty(), Optional.empty());
    assertThat(c.clusters().get(0).endpoints().get(0).weight()).isEqualTo(1);
  }

  @Test
  void zeroWeightIsRefused() {
    assertThatThrownBy(() -> translate("lb_policy: MAGLEV", ", load_balancing_weight: 0")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster c.load_assignment.endpoints.lb_endpoints.load_balancing_weight: must be at least 1");
  }
}
