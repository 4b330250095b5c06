package io.wasmplane.dataplane.cors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.CorsPolicyConfig;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.http.HttpFilterRegistry;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** CORS policies and the filter's config are translated once; what cannot be honoured is an error naming the field. */
class CorsConfigTest {
  private static final String CLUSTERS = Bootstraps.staticCluster("a", 8080, null);
  private static final String POLICY = "\"@type\": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy";

  private static DataplaneConfig translate(String routeConfig, String filters) {
    return BootstrapTranslator.translate(BootstrapLoader.fromText(
        Bootstraps.withRouteConfig(routeConfig, null, CLUSTERS, Path.of("/dev/null"), null, filters), "test"),
        Optional.empty(), Optional.empty());
  }

  /** One virtual host with one route to cluster a; {@code route} is appended to the route, {@code vh} to the host. */
  private static String routes(String vh, String route) {
    return """
        name: rc
        virtual_hosts:
        - name: vh
          domains: ["*"]
          %s
          routes:
          - name: r0
            match: {prefix: "/"}
            %s
        """.formatted(vh, route);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "bad origin regex        | | route: {cluster: a} NL typed_per_filter_config: {envoy.filters.http.cors: {POLICY, allow_origin_string_match: [{safe_regex: {regex: \"(\"}}]}} "
          + "| routes[0].typed_per_filter_config[envoy.filters.http.cors].allow_origin_string_match[0].safe_regex",
      "origin matcher unset    | typed_per_filter_config: {envoy.filters.http.cors: {POLICY, allow_origin_string_match: [{ignore_case: true}]}} | route: {cluster: a} "
          + "| virtual_hosts[0] vh.typed_per_filter_config[envoy.filters.http.cors].allow_origin_string_match[0]: MATCHPATTERN_NOT_SET is not supported",
      "bad denominator         | | route: {cluster: a} NL typed_per_filter_config: {envoy.filters.http.cors: {POLICY, filter_enabled: {default_value: {numerator: 1, denominator: 7}}}} "
          + "| typed_per_filter_config[envoy.filters.http.cors].filter_enabled.default_value.denominator: unknown value 7",
      "legacy bad regex        | cors: {allow_origin_string_match: [{safe_regex: {regex: \"[\"}}]} | route: {cluster: a} "
          + "| virtual_hosts[0] vh.cors.allow_origin_string_match[0].safe_regex",
      "legacy on route action  | | route: {cluster: a, cors: {shadow_enabled: {default_value: {numerator: 5, denominator: 9}}}} "
          + "| routes[0].route.cors.shadow_enabled.default_value.denominator: unknown value 9",
      "on a weighted cluster   | | route: {weighted_clusters: {clusters: [{name: a, weight: 1, typed_per_filter_config: {envoy.filters.http.cors: {POLICY}}}]}} "
          + "| weighted_clusters.clusters a.typed_per_filter_config[envoy.filters.http.cors]: per-filter configs on a weighted cluster are not supported",
      "disabled per route      | | route: {cluster: a} NL typed_per_filter_config: {envoy.filters.http.cors: {\"@type\": type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: true}} "
          + "| .disabled: disabling a filter per route is not supported",
  })
  void refusedWithTheFieldAndTheCause(String name, String vh, String route, String message) {
    // NL: the next field of the route (YAML needs the line break).
    String cfg = routes(vh == null ? "" : vh.replace("POLICY", POLICY), route.replace("POLICY", POLICY).replace(" NL ", "\n    "));
    assertThatThrownBy(() -> translate(cfg, CorsFilterTest.CORS_FILTER)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress").hasMessageContaining(message);
  }

  @Test
  void theFilterIsAcceptedAndItsPoliciesAreCombinedOnceAtTranslation() {
    DataplaneConfig c = translate(routes("typed_per_filter_config: {envoy.filters.http.cors: {" + POLICY
        + ", allow_methods: GET, max_age: \"60\", allow_credentials: true, filter_enabled: {default_value: {numerator: 0}}}}",
        "route: {cluster: a}\n    typed_per_filter_config: {envoy.filters.http.cors: {" + POLICY
            + ", allow_origin_string_match: [{exact: o}], allow_methods: PUT, shadow_enabled: {default_value: {numerator: 50}}}}"),
        CorsFilterTest.CORS_FILTER);
    assertThat(c.listeners().get(0).hcm().httpFilters()).extracting(HttpFilterConfig::name)
        .containsExactly("envoy.filters.http.cors", "envoy.filters.http.router");
    var route = c.listeners().get(0).hcm().routes().virtualHosts().get(0).routes().get(0);
    CorsPolicyConfig p = (CorsPolicyConfig) route.filterConfigs().forFilter("envoy.filters.http.cors");
    assertThat(p.allowMethods()).isEqualTo("PUT");
    assertThat(p.maxAge()).isEqualTo("60");
    assertThat(p.credentials()).isTrue();
    assertThat(p.forwardsNotMatchingPreflights()).isTrue();
    // filter_enabled / shadow_enabled come from the most specific policy only (unset there: enabled, no shadow).
    assertThat(p.filterEnabledPerMillion()).isEqualTo(CorsPolicyConfig.ALWAYS);
    assertThat(p.shadowEnabledPerMillion()).isEqualTo(500_000);
    assertThat(c.listeners().get(0).hcm().routes().configuresFilter("envoy.filters.http.cors", false)).isTrue();
    assertThat(c.listeners().get(0).hcm().routes().configuresFilter("my_cors", true)).isFalse();
  }

  @Test
  void aRouteTableKnowsWhetherAnyRouteHasAPolicy() {
    var none = translate(routes("", "route: {cluster: a}"), CorsFilterTest.CORS_FILTER).listeners().get(0).hcm().routes();
    assertThat(none.configuresFilter("envoy.filters.http.cors", true)).isFalse();
    var legacy = translate(routes("cors: {allow_methods: GET}", "route: {cluster: a}"), CorsFilterTest.CORS_FILTER)
        .listeners().get(0).hcm().routes();
    assertThat(legacy.configuresFilter("envoy.filters.http.cors", false)).isFalse();
    assertThat(legacy.configuresFilter("envoy.filters.http.cors", true)).isTrue();
  }

  @Test
  void aCorsTypedConfigWithUnknownFieldsIsRefused() {
    Any withUnknown = Any.newBuilder().setTypeUrl("type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors")
        .setValue(ByteString.copyFrom(new byte[] {0x08, 0x01})).build();
    var provider = HttpFilterRegistry.find("envoy.filters.http.cors", "envoy.extensions.filters.http.cors.v3.Cors").orElseThrow();
    assertThatThrownBy(() -> provider.create(new HttpFilterConfig("envoy.filters.http.cors", withUnknown.getTypeUrl(), withUnknown),
        "listener x.http_filters envoy.filters.http.cors"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener x.http_filters envoy.filters.http.cors.typed_config: unknown field number(s) [1]");
  }

  @Test
  void aPolicyTypeInThePlaceOfTheFilterConfigIsNoFilterWeRun() {
    String filter = """
        - name: envoy.filters.http.cors
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy}
        """;
    assertThatThrownBy(() -> translate(routes("", "route: {cluster: a}"), filter)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("unsupported http filter (type envoy.extensions.filters.http.cors.v3.CorsPolicy)")
        .hasMessageContaining("envoy.filters.http.cors");
  }
}
