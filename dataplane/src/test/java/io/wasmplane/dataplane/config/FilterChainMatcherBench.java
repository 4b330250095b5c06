package io.wasmplane.dataplane.config;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

/**
 * Ad-hoc measurement (not run by the tests): ns per {@link FilterChainMatcher#select} on an Istio-waypoint-like
 * listener, 100 service VIPs in an IP trie matcher, each with a destination port map; the lookup runs once per new
 * connection. {@code java -cp dataplane/target/classes:dataplane/target/test-classes:$(cat cp.txt)
 * io.wasmplane.dataplane.config.FilterChainMatcherBench}
 */
public final class FilterChainMatcherBench {
  private FilterChainMatcherBench() {}

  static final String INPUTS = "type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.";

  static String action(String chain) {
    return "{action: {name: \"" + chain + "\", typed_config: {\"@type\": type.googleapis.com/google.protobuf.StringValue, value: \""
        + chain + "\"}}}";
  }

  public static void main(String[] args) {
    StringBuilder chains = new StringBuilder();
    StringBuilder ranges = new StringBuilder();
    String hcm = "{name: envoy.filters.network.http_connection_manager, typed_config: {\"@type\": "
        + "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager, stat_prefix: s, "
        + "route_config: {}, http_filters: [{name: envoy.filters.http.router, typed_config: {\"@type\": "
        + "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]}}";
    for (int i = 0; i < 100; i++) {
      String name = "inbound-vip|80|http|svc" + i + ".default.svc.cluster.local";
      chains.append("  - {name: \"").append(name).append("\", filters: [").append(hcm).append("]}\n");
      ranges.append("          - {ranges: [{address_prefix: 10.96.").append(i / 250).append('.').append(i % 250 + 1)
          .append(", prefix_len: 32}], on_match: {matcher: {matcher_tree: {input: {name: port, typed_config: {\"@type\": ")
          .append(INPUTS).append("DestinationPortInput}}, exact_match_map: {map: {\"80\": ").append(action(name))
          .append("}}}}}}\n");
    }
    chains.append("  - {name: direct-tcp, filters: [").append(hcm).append("]}\n");
    String yaml = """
        name: waypoint
        address: {socket_address: {address: 127.0.0.1, port_value: 15008}}
        filter_chains:
        %sfilter_chain_matcher:
          matcher_tree:
            input: {name: ip, typed_config: {"@type": %sDestinationIPInput}}
            custom_match:
              name: ip
              typed_config:
                "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher
                range_matchers:
        %s  on_no_match: %s
        """.formatted(chains, INPUTS, ranges, action("direct-tcp"));
    io.envoyproxy.envoy.config.listener.v3.Listener.Builder b = io.envoyproxy.envoy.config.listener.v3.Listener.newBuilder();
    try {
      EnvoyTypes.PARSER.merge(new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
          .readTree(yaml).toString(), b);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    ChainSelection selector = BootstrapTranslator.listener(b.build(), Set.of()).chainSelection();
    InetSocketAddress remote = new InetSocketAddress("10.0.0.5", 50000);
    ConnectionFacts[] facts = {
        ConnectionFacts.of(new InetSocketAddress("10.96.0.77", 80), remote),
        ConnectionFacts.of(new InetSocketAddress("10.96.0.3", 8080), remote),
        ConnectionFacts.of(new InetSocketAddress("10.1.2.3", 80), remote)};
    long sink = 0;
    int n = 2_000_000;
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink += selector.select(facts[i % facts.length]);
      }
      System.out.printf("round %d: %.0f ns per select%n", round, (double) (System.nanoTime() - t0) / n);
    }
    System.out.println("(checksum " + sink + ")");
  }
}
