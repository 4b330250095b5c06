package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.config.RouteAction;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.RawHttp;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Bad bootstraps fail at startup with a message naming the resource, field and cause. */
class BootstrapValidationTest {
  private static final String ROUTES = """
      - name: all
        domains: ["*"]
        routes:
        - match: {prefix: "/"}
          route: {cluster: a, timeout: 2s}
      """;

  private static DataplaneConfig translate(String yaml) {
    return BootstrapTranslator.translate(BootstrapLoader.fromText(yaml, "test"), Optional.empty(), Optional.empty());
  }

  private static String valid(Path log) {
    return Bootstraps.bootstrap(ROUTES, null, Bootstraps.staticCluster("a", 8080, "lb_policy: LEAST_REQUEST"), log, null);
  }

  @Test
  void translatesAValidBootstrapIntoRecords() throws Exception {
    DataplaneConfig c = translate(valid(Path.of("/dev/null")));
    assertThat(c.listeners()).hasSize(1);
    assertThat(c.listeners().get(0).hcm().statPrefix()).isEqualTo("ingress_http");
    assertThat(c.listeners().get(0).hcm().maxRequestHeadersBytes()).isEqualTo(60 * 1024);
    var route = c.listeners().get(0).hcm().routes().virtualHosts().get(0).routes().get(0);
    assertThat(((RouteAction.Forward) route.action()).timeout()).isEqualTo(Duration.ofSeconds(2));
    ClusterConfig a = c.cluster("a").orElseThrow();
    assertThat(a.lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.LEAST_REQUEST);
    assertThat(a.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(a.endpoints()).containsExactly(new ClusterConfig.EndpointAddress("127.0.0.1", 8080));
  }

  @Test
  void theAdminBindsOnlyWhatTheBootstrapNamesNeverAnImplicitWildcard() throws Exception {
    assertThat(translate(valid(Path.of("/dev/null"))).admin().orElseThrow().address().getAddress().isLoopbackAddress()).isTrue();
    // as Envoy: no admin.address = no admin server; an address without its IP is an error, not 0.0.0.0
    String admin = "admin:\n  address: {socket_address: {address: 127.0.0.1, port_value: 0}}\n";
    assertThat(valid(Path.of("/dev/null"))).startsWith(admin);
    String noAddress = valid(Path.of("/dev/null")).replace(admin, "admin:\n  access_log_path: /dev/null\n");
    assertThat(translate(noAddress).admin()).isEmpty();
    String portOnly = valid(Path.of("/dev/null")).replace(admin, "admin:\n  address: {socket_address: {port_value: 9901}}\n");
    assertThatThrownBy(() -> translate(portOnly)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.address.socket_address.address: required");
  }

  @Test
  void jsonBootstrapFromFileWorksToo() throws Exception {
    Path f = Files.createTempFile("bootstrap", ".json");
    try {
      Files.writeString(f, "{\"node\": {\"id\": \"n1\", \"cluster\": \"c1\"}, \"static_resources\": {}}");
      DataplaneConfig c = BootstrapTranslator.translate(BootstrapLoader.fromFile(f), Optional.of("override"), Optional.empty());
      assertThat(c.node().id()).isEqualTo("override");
      assertThat(c.node().cluster()).isEqualTo("c1");
    } finally {
      Files.delete(f);
    }
  }

  @Test
  void malformedYamlIsAClearError() {
    assertThatThrownBy(() -> translate("static_resources: [unclosed"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML/JSON");
  }

  @Test
  void unknownProtoFieldIsAClearError() {
    assertThatThrownBy(() -> translate("static_resources: {listenerz: []}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("envoy.config.bootstrap.v3.Bootstrap").hasMessageContaining("listenerz");
  }

  @Test
  void missingFileIsAClearError() {
    assertThatThrownBy(() -> BootstrapLoader.fromFile(Path.of("/nonexistent/bootstrap.yaml")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("/nonexistent/bootstrap.yaml does not exist");
  }

  @Test
  void unknownClusterInARouteIsAStartupError() {
    String yaml = Bootstraps.bootstrap(ROUTES.replace("cluster: a", "cluster: nope"), null,
        Bootstraps.staticCluster("a", 8080, null), Path.of("/dev/null"), null);
    assertThatThrownBy(() -> translate(yaml)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress").hasMessageContaining("unknown cluster 'nope'");
  }

  @Test
  void unsupportedFieldThatChangesBehaviourIsRejectedByName() {
    String yaml = Bootstraps.bootstrap(ROUTES.replace("timeout: 2s", "timeout: 2s, retry_policy: {per_try_idle_timeout: 1s}"), null,
        Bootstraps.staticCluster("a", 8080, null), Path.of("/dev/null"), null);
    assertThatThrownBy(() -> translate(yaml)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("routes[0].route.retry_policy").hasMessageContaining("unsupported field(s) [per_try_idle_timeout]");
  }

  @Test
  void unsupportedHttpFilterIsRejectedUnlessOptional() {
    String filter = """
                  - name: envoy.filters.http.cors
                    typed_config:
                      "@type": type.googleapis.com/google.protobuf.Struct
        """;
    String base = valid(Path.of("/dev/null"));
    String withFilter = base.replace("          http_filters:\n", "          http_filters:\n" + filter);
    assertThatThrownBy(() -> translate(withFilter)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("envoy.filters.http.cors").hasMessageContaining("unsupported http filter");
    String optional = base.replace("          http_filters:\n", "          http_filters:\n"
        + filter.replace("typed_config:", "is_optional: true\n            typed_config:"));
    assertThat(translate(optional).listeners().get(0).hcm().httpFilters()).hasSize(1);
  }

  @Test
  void routerMustBeLast() {
    String base = valid(Path.of("/dev/null"));
    String twice = base.replace("          http_filters:\n", """
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """);
    assertThatThrownBy(() -> translate(twice)).isInstanceOf(ConfigException.class).hasMessageContaining("must be the last http filter");
  }

  @Test
  void unsupportedClusterTypeAndAccessLogOperatorAreRejected() {
    String eds = Bootstraps.bootstrap(ROUTES, null, Bootstraps.staticCluster("a", 8080, null).replace("type: STATIC", "type: EDS"),
        Path.of("/dev/null"), null);
    assertThatThrownBy(() -> translate(eds)).isInstanceOf(ConfigException.class).hasMessageContaining("cluster a.type: EDS is not supported");
    String badFormat = valid(Path.of("/dev/null")).replace("path: /dev/null", "path: /dev/null\n              format: \"%NOT_AN_OPERATOR%\"");
    assertThatThrownBy(() -> Bootstraps.start(badFormat)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("unsupported access log operator %NOT_AN_OPERATOR%");
  }

  @Test
  void portInUseIsAClearStartupError() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String yaml = valid(Path.of("/dev/null")).replace("port_value: 0}}\n    filter_chains", "port_value: " + taken.getLocalPort() + "}}\n    filter_chains");
      assertThat(yaml).contains("port_value: " + taken.getLocalPort());
      assertThatThrownBy(() -> Bootstraps.start(yaml)).isInstanceOf(ConfigException.class)
          .hasMessageContaining("listener ingress: cannot bind 127.0.0.1:" + taken.getLocalPort()).hasMessageContaining("address already in use");
    }
    // Nothing was left bound: a fresh port still works afterwards.
    assertThat(Ports.freePort()).isPositive();
  }
}
