package io.wasmplane.dataplane.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.DataplaneConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The listener filter chain, tcp_proxy and bootstrap Wasm extensions are validated once, naming field and cause. */
class NetworkConfigValidationTest {
  private static final String PLUGIN =
      Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "c/c_tcp.wasm").toAbsolutePath().toString();

  private static DataplaneConfig translate(String filters, String top) {
    return BootstrapTranslator.translate(BootstrapLoader.fromText("""
        %s
        static_resources:
          listeners:
          - name: tcp
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
        %s
          clusters:
          - name: echo
            type: STATIC
            load_assignment:
              cluster_name: echo
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 9}}}}]}]
        """.formatted(top, filters), "test"), Optional.empty(), Optional.empty());
  }

  private static String tcpProxy(String extra) {
    return """
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: echo
        %s
        """.formatted(extra);
  }

  private static final String WASM = """
              - name: envoy.filters.network.wasm
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
                  config:
                    name: c_tcp
                    vm_config: {code: {local: {filename: "%s"}}}
        """.formatted(PLUGIN);

  @Test
  void aTcpProxyChainTranslatesIntoRecords() {
    DataplaneConfig c = translate(WASM + tcpProxy("          cluster: echo\n          idle_timeout: 7s"), "");
    var l = c.listeners().get(0);
    assertThat(l.hcm()).isNull();
    assertThat(l.networkFilters()).hasSize(1);
    assertThat(l.networkFilters().get(0).name()).isEqualTo("envoy.filters.network.wasm");
    assertThat(l.tcpProxy()).hasValueSatisfying(t -> {
      assertThat(t.cluster()).isEqualTo("echo");
      assertThat(t.idleTimeout()).isEqualTo(Duration.ofSeconds(7));
    });
    assertThat(c.wasmExtensions().statsFlushInterval()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void errorsNameTheFieldAndTheCause() {
    assertThatThrownBy(() -> translate(tcpProxy("          cluster: nope"), ""))
        .isInstanceOf(ConfigException.class).hasMessageContaining("listener tcp tcp_proxy.cluster: unknown cluster 'nope'");
    assertThatThrownBy(() -> translate(tcpProxy("          cluster: echo\n          max_connect_attempts: 3"), ""))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unsupported field(s) [max_connect_attempts]");
    assertThatThrownBy(() -> translate(tcpProxy("""
                  cluster: echo
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog, path: /dev/null, format: "%NOPE%"}
        """), "")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("tcp_proxy.access_log[0]: unsupported access log operator %NOPE%");
    assertThatThrownBy(() -> translate(tcpProxy("          cluster: echo") + tcpProxy("          cluster: echo"), ""))
        .isInstanceOf(ConfigException.class).hasMessageContaining("filters[0]: unsupported network filter 'envoy.filters.network.tcp_proxy'");
    assertThatThrownBy(() -> translate(tcpProxy("          cluster: echo"), "stats_flush_interval: 0s"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("bootstrap.stats_flush_interval: must be positive");
    assertThatThrownBy(() -> translate(tcpProxy("          cluster: echo"), """
        bootstrap_extensions:
        - name: other
          typed_config: {"@type": type.googleapis.com/google.protobuf.StringValue, value: x}
        """)).isInstanceOf(ConfigException.class).hasMessageContaining("bootstrap.bootstrap_extensions[0] other: unsupported bootstrap extension");
  }

  private static String discovered(String typeUrl) {
    return """
              - name: c_tcp_ecds
                config_discovery:
                  config_source: {ads: {}}
                  type_urls: [%s]
        """.formatted(typeUrl);
  }

  @Test
  void aNetworkFilterOverEcdsIsValidatedAndNeedsDynamicResources() {
    var l = translate(discovered("type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm") + tcpProxy("          cluster: echo"), "")
        .listeners().get(0);
    assertThat(l.networkFilters().get(0).discovery()).hasValueSatisfying(d -> assertThat(d.applyDefaultConfigWithoutWarming()).isFalse());
    assertThatThrownBy(() -> translate(discovered("type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm")
        + tcpProxy("          cluster: echo"), "")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener tcp.filter_chains[0].filters[0] c_tcp_ecds.config_discovery.type_urls: unsupported network filter type");
    // A static listener has no ECDS to get the config from: a startup error naming the filter.
    String yaml = """
        static_resources:
          listeners:
          - name: tcp
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
        %s
          clusters:
          - name: echo
            type: STATIC
            load_assignment:
              cluster_name: echo
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 9}}}}]}]
        """.formatted(discovered("type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm") + tcpProxy("          cluster: echo"));
    assertThatThrownBy(() -> io.wasmplane.dataplane.testing.Bootstraps.start(yaml).close()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("c_tcp_ecds.config_discovery: needs dynamic_resources (ECDS)");
  }
}
