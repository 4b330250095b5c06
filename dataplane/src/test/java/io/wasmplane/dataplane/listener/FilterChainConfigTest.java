package io.wasmplane.dataplane.listener;

import static io.wasmplane.dataplane.listener.FilterChainMatchTest.bootstrap;
import static io.wasmplane.dataplane.listener.FilterChainMatchTest.chain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.config.ListenerConfig;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Filter chain and listener filter configuration: what Envoy refuses is refused with the listener, field and cause. */
class FilterChainConfigTest {
  private static DataplaneConfig translate(String yaml) {
    return BootstrapTranslator.translate(BootstrapLoader.fromText(yaml, "test"), Optional.empty(), Optional.empty());
  }

  @Test
  void chainsThatNoConnectionCouldTellApartAreRefused() {
    String same = chain("one", "{server_names: [a.example.com, b.example.com]}", null, "1")
        + chain("two", "{server_names: [b.example.com], transport_protocol: \"\"}", null, "2");
    assertThatThrownBy(() -> translate(bootstrap(0, same, null)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress: filter chains 'one' and 'two' have the same matching rules")
        .hasMessageContaining("multiple filter chains with the same matching rules are defined");
    String unnamed = chain("x", null, null, "1").replace("name: x, ", "") + chain("y", null, null, "2").replace("name: y, ", "");
    assertThatThrownBy(() -> translate(bootstrap(0, unnamed, null)))
        .hasMessageContaining("filter chains 'filter_chains[0]' and 'filter_chains[1]' have the same matching rules");
    // The same prefix written differently (host bits set) is the same range.
    String ranges = chain("one", "{prefix_ranges: [{address_prefix: 10.1.2.3, prefix_len: 8}]}", null, "1")
        + chain("two", "{prefix_ranges: [{address_prefix: 10.0.0.0, prefix_len: 8}]}", null, "2");
    assertThatThrownBy(() -> translate(bootstrap(0, ranges, null))).hasMessageContaining("same matching rules");
  }

  @Test
  void chainsThatDifferSomewhereAreAccepted() {
    String differ = chain("one", "{server_names: [a.example.com]}", null, "1")
        + chain("two", "{server_names: [a.example.com], source_ports: [1234]}", null, "2")
        + chain("three", null, null, "3");
    ListenerConfig l = translate(bootstrap(0, differ, null)).listeners().get(0);
    assertThat(l.filterChains()).extracting(c -> c.name()).containsExactly("one", "two", "three");
    assertThat(l.listenerFilters().tlsInspector()).as("injected for server_names").isTrue();
    assertThat(l.listenerFilters().timeout()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void badMatchesAndListenerFiltersNameTheField() {
    assertThatThrownBy(() -> translate(bootstrap(0, chain("w", "{server_names: [\"a*.example.com\"]}", null, "1"), null)))
        .hasMessageContaining("listener ingress.filter_chains[0].filter_chain_match.server_names: 'a*.example.com': partial "
            + "wildcards are not supported");
    assertThatThrownBy(() -> translate(bootstrap(0, chain("p", "{prefix_ranges: [{address_prefix: 10.0.0.0, prefix_len: 33}]}",
        null, "1"), null)))
        .hasMessageContaining("filter_chains[0].filter_chain_match.prefix_ranges[0].prefix_len: 33 is out of range");
    assertThatThrownBy(() -> translate(bootstrap(0, chain("p", "{source_prefix_ranges: [{address_prefix: example.com}]}",
        null, "1"), null)))
        .hasMessageContaining("filter_chain_match.source_prefix_ranges[0].address_prefix: 'example.com' is not an IP address");
    assertThatThrownBy(() -> translate(bootstrap(0, chain("s", "{address_suffix: x}", null, "1"), null)))
        .hasMessageContaining("filter_chains[0].filter_chain_match: unsupported field(s) [address_suffix]");
    String originalSrc = """
        listener_filters:
        - name: envoy.filters.listener.original_src
          typed_config: {"@type": type.googleapis.com/google.protobuf.Empty}
        """;
    assertThatThrownBy(() -> translate(bootstrap(0, chain("c", null, null, "1"), originalSrc)))
        .hasMessageContaining("listener ingress.listener_filters[0]: unsupported listener filter 'envoy.filters.listener.original_src'");
    String defaultWithMatch = """
        default_filter_chain:
          filter_chain_match: {destination_port: 80}
          filters: [%s]
        """.formatted(FilterChainMatchTest.hcm("d", "d"));
    assertThatThrownBy(() -> translate(bootstrap(0, chain("c", null, null, "1"), defaultWithMatch)))
        .hasMessageContaining("listener ingress.default_filter_chain.filter_chain_match: not allowed");
  }
}
