package io.wasmplane.dataplane.listener;

import static io.wasmplane.dataplane.listener.FilterChainMatchTest.bootstrap;
import static io.wasmplane.dataplane.listener.FilterChainMatchTest.chain;
import static io.wasmplane.dataplane.listener.FilterChainMatchTest.counter;
import static io.wasmplane.dataplane.listener.FilterChainMatchTest.hcm;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.H2cClient;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.RawHttp;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The listener's {@code filter_chain_matcher} (the unified matcher API) through real sockets: a matcher tree on the
 * destination port with the default chain taking the rest, a prefix map, the IP trie matcher's longest-prefix and
 * exclusive rules, a matcher list with and/or/not over the HTTP inspector's protocols, every address input behind the
 * PROXY protocol, and an Istio waypoint-shaped listener.
 */
@Timeout(60)
class FilterChainMatcherTest {
  static final String INPUTS = "type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.";

  /** A matcher input as YAML flow: {@code type} is the message name, e.g. DestinationPortInput. */
  static String input(String type) {
    return "{name: " + type + ", typed_config: {\"@type\": " + INPUTS + type + "}}";
  }

  /** An on_match naming a filter chain. */
  static String action(String chain) {
    return "{action: {name: \"" + chain + "\", typed_config: {\"@type\": type.googleapis.com/google.protobuf.StringValue, value: \""
        + chain + "\"}}}";
  }

  static String get(int port) throws Exception {
    return RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
  }

  @Test
  void destinationPortTreeChoosesTheChainAndTheDefaultChainTakesTheRest() throws Exception {
    int port = io.wasmplane.dataplane.testing.Ports.freePort();
    int other = io.wasmplane.dataplane.testing.Ports.freePort();
    // Both chains carry the same filter_chain_match: ignored with a matcher (Envoy), so not refused as duplicates.
    String chains = chain("this-port", "{destination_port: 1}", null, "chain-this-port")
        + chain("other-port", "{destination_port: 1}", null, "chain-other-port");
    String matcher = """
        filter_chain_matcher:
          matcher_tree:
            input: %s
            exact_match_map: {map: {"%d": %s, "%d": %s}}
        default_filter_chain: {name: fallback, filters: [%s]}
        """.formatted(input("DestinationPortInput"), port, action("this-port"), other, action("other-port"),
        hcm("fallback", "chain-fallback"));
    try (Dataplane dp = Bootstraps.start(bootstrap(port, chains, matcher))) {
      assertThat(get(port)).startsWith("HTTP/1.1 200").endsWith("chain-this-port");
    }
    // The same listener on a port the map does not name: the default chain.
    int third = io.wasmplane.dataplane.testing.Ports.freePort();
    try (Dataplane dp = Bootstraps.start(bootstrap(third, chains, matcher))) {
      assertThat(get(third)).endsWith("chain-fallback");
      assertThat(counter(dp, "listener.127.0.0.1_" + third + ".no_filter_chain_match")).isZero();
    }
    // Without a default chain, a connection the matcher does not take is closed and counted.
    try (Dataplane dp = Bootstraps.start(bootstrap(third, chains, matcher.substring(0, matcher.indexOf("default_filter_chain"))))) {
      assertThat(RawHttp.closedAfter(third, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 5000)).isTrue();
      assertThat(counter(dp, "listener.127.0.0.1_" + third + ".no_filter_chain_match")).isEqualTo(1);
    }
  }

  /** An IPMatcher on the source address (127.0.0.1) whose /32 range's nested port matcher never matches. */
  static String sourceTrie(boolean loopbackExclusive) {
    return """
        filter_chain_matcher:
          matcher_tree:
            input: %s
            custom_match:
              name: envoy.matching.custom_matchers.trie_matcher
              typed_config:
                "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher
                range_matchers:
                - ranges: [{address_prefix: 10.0.0.0, prefix_len: 8}]
                  on_match: %s
                - ranges: [{address_prefix: 0.0.0.0, prefix_len: 0}]
                  on_match: %s
                - ranges: [{address_prefix: 127.0.0.0, prefix_len: 8}]
                  exclusive: %s
                  on_match: %s
                - ranges: [{address_prefix: 127.0.0.1, prefix_len: 32}]
                  on_match: {matcher: {matcher_tree: {input: %s, exact_match_map: {map: {"1": %s}}}}}
        """.formatted(input("SourceIPInput"), action("ten"), action("any"), loopbackExclusive, action("loopback"),
        input("DestinationPortInput"), action("ten"));
  }

  @Test
  void ipTrieTriesShorterRangesWhenANestedMatcherFailsUnlessTheyAreExclusive() throws Exception {
    String chains = chain("ten", null, null, "chain-ten") + chain("loopback", null, null, "chain-loopback")
        + chain("any", null, null, "chain-any");
    // 127.0.0.1/32 is the longest range but its nested matcher fails: 127.0.0.0/8 is next.
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, sourceTrie(false)))) {
      assertThat(get(dp.port("ingress"))).endsWith("chain-loopback");
    }
    // An exclusive range is not chosen when a longer one matched the address, even though that one's matcher failed.
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, sourceTrie(true)))) {
      assertThat(get(dp.port("ingress"))).endsWith("chain-any");
    }
  }

  @Test
  void prefixMapTriesTheLongestPrefixFirstThenShorterOnes() throws Exception {
    String chains = chain("exact-ip", null, null, "chain-exact-ip") + chain("loopback", null, null, "chain-loopback")
        + chain("one", null, null, "chain-one");
    // "127.0.0.1" is the longest matching key, but its nested port matcher fails: "127." is next, "1" never tried.
    String matcher = """
        filter_chain_matcher:
          matcher_tree:
            input: %s
            prefix_match_map:
              map:
                "1": %s
                "127.": %s
                "127.0.0.1": {matcher: {matcher_tree: {input: %s, exact_match_map: {map: {"1": %s}}}}}
                "10.": %s
        """.formatted(input("DestinationIPInput"), action("one"), action("loopback"), input("DestinationPortInput"),
        action("exact-ip"), action("exact-ip"));
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, matcher))) {
      assertThat(get(dp.port("ingress"))).endsWith("chain-loopback");
    }
  }

  @Test
  void matcherListWithAndOrNotAndTheQuotedApplicationProtocols() throws Exception {
    int port = io.wasmplane.dataplane.testing.Ports.freePort();
    String chains = chain("wrong", null, null, "chain-wrong") + chain("h1", null, null, "chain-h1")
        + chain("h2c", null, null, "chain-h2c")
        + "- {name: rest, filters: [{name: envoy.filters.network.tcp_proxy, typed_config: {\"@type\": "
        + "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: rest, cluster: echo}}]}\n";
    String single = "{single_predicate: {input: %s, value_match: {%s: \"%s\"}}}";
    String matcher = """
        listener_filters:
        - name: envoy.filters.listener.http_inspector
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector}
        filter_chain_matcher:
          matcher_list:
            matchers:
            - predicate: {and_matcher: {predicate: [%s, {not_matcher: %s}]}}
              on_match: %s
            - predicate: {or_matcher: {predicate: [%s, %s]}}
              on_match:
                matcher:
                  matcher_tree:
                    input: %s
                    exact_match_map: {map: {"'http/1.1'": %s, "'h2c'": %s}}
          on_no_match: %s
        """.formatted(
        single.formatted(input("SourceIPInput"), "exact", "127.0.0.1"),
        single.formatted(input("DestinationPortInput"), "exact", port),
        action("wrong"),
        // No SNI on a cleartext connection: the server name input has no value and matches nothing.
        single.formatted(input("ServerNameInput"), "prefix", ""),
        single.formatted(input("TransportProtocolInput"), "exact", "raw_buffer"),
        input("ApplicationProtocolInput"), action("h1"), action("h2c"), action("rest"));
    try (TcpEchoServer echo = new TcpEchoServer();
        Dataplane dp = Bootstraps.start(bootstrap(port, chains, matcher) + "  clusters:\n"
            + Bootstraps.staticCluster("echo", echo.port(), null))) {
      assertThat(get(port)).endsWith("chain-h1");
      try (H2cClient c = new H2cClient(port)) {
        assertThat(c.request("GET", "/", "x", null).get(5, TimeUnit.SECONDS).body()).isEqualTo("chain-h2c");
      }
      // Neither HTTP/1 nor h2c (no application protocol): the inner map fails, then the list's on_no_match.
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.setSoTimeout(5000);
        s.getOutputStream().write("not http at all\n".getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("not http at all\n");
      }
      assertThat(counter(dp, "tcp.rest.downstream_cx_total")).isEqualTo(1);
    }
  }

  static String reviews(int port) {
    return "inbound-vip|" + port + "|http|reviews.default.svc.cluster.local";
  }

  static final String RATINGS = "inbound-vip|9080|http|ratings.default.svc.cluster.local";

  /**
   * The shape of an Istio waypoint's listener (as in its config dumps, camelCase and all): a trie on the destination IP
   * (service VIPs), each VIP's port map naming an {@code inbound-vip|port|http|host} chain, and {@code on_no_match}
   * sending everything else to the direct chain.
   */
  static String waypointMatcher(int vipPort) {
    return """
        filter_chain_matcher:
          matcher_tree:
            input: {name: ip, typed_config: {"@type": %sDestinationIPInput}}
            custom_match:
              name: ip
              typed_config:
                "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher
                rangeMatchers:
                - ranges: [{addressPrefix: 127.0.0.1, prefixLen: 32}]
                  onMatch:
                    matcher:
                      matcherTree:
                        input: {name: port, typedConfig: {"@type": %sDestinationPortInput}}
                        exactMatchMap: {map: {"%d": %s, "9080": %s}}
                - ranges: [{addressPrefix: 10.96.0.10, prefixLen: 32}]
                  onMatch:
                    matcher:
                      matcherTree:
                        input: {name: port, typedConfig: {"@type": %sDestinationPortInput}}
                        exactMatchMap: {map: {"9080": %s}}
          on_no_match: %s
        """.formatted(INPUTS, INPUTS, vipPort, action(reviews(vipPort)), action(RATINGS), INPUTS, action(RATINGS),
        action("direct-http"));
  }

  @Test
  void istioWaypointShapedListener() throws Exception {
    int port = io.wasmplane.dataplane.testing.Ports.freePort();
    String chains = chain(reviews(port), null, null, "reviews") + chain(RATINGS, null, null, "ratings")
        + chain("direct-http", null, null, "direct");
    try (Dataplane dp = Bootstraps.start(bootstrap(port, chains, waypointMatcher(port)))) {
      assertThat(get(port)).endsWith("reviews");
      // The admin's config dump prints the matcher with its typed inputs and IPMatcher.
      var dump = Http.get(Http.h1(), "http://127.0.0.1:" + dp.adminPort() + "/config_dump");
      assertThat(dump.statusCode()).isEqualTo(200);
      assertThat(dump.body()).contains("\"filter_chain_matcher\"").contains("xds.type.matcher.v3.IPMatcher")
          .contains("inbound-vip|" + port + "|http|reviews.default.svc.cluster.local");
    }
    // A VIP port this listener is not on: the VIP's port map fails, so the outer on_no_match (the direct chain).
    int other = io.wasmplane.dataplane.testing.Ports.freePort();
    String otherChains = chain(reviews(other + 1), null, null, "reviews") + chain(RATINGS, null, null, "ratings")
        + chain("direct-http", null, null, "direct");
    try (Dataplane dp = Bootstraps.start(bootstrap(other, otherChains, waypointMatcher(other + 1)))) {
      assertThat(get(other)).endsWith("direct");
    }
  }

  @Test
  void addressInputsSeeWhatAProxyProtocolHeaderCarriedAndTheDirectPeer() throws Exception {
    String chains = chain("proxied", null, null, "chain-proxied") + chain("other", null, null, "chain-other");
    String single = "{single_predicate: {input: %s, value_match: {exact: \"%s\"}}}";
    String matcher = """
        listener_filters:
        - name: envoy.filters.listener.proxy_protocol
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol}
        filter_chain_matcher:
          matcher_list:
            matchers:
            - predicate: {and_matcher: {predicate: [%s, %s, %s, %s, %s, %s]}}
              on_match: %s
          on_no_match: %s
        """.formatted(single.formatted(input("DirectSourceIPInput"), "127.0.0.1"),
        single.formatted(input("SourceIPInput"), "192.0.2.10"), single.formatted(input("SourcePortInput"), "56324"),
        single.formatted(input("DestinationIPInput"), "198.51.100.7"), single.formatted(input("DestinationPortInput"), "443"),
        // The carried client is not this host: SourceTypeInput has no value, so "local" does not match.
        "{not_matcher: " + single.formatted(input("SourceTypeInput"), "local") + "}",
        action("proxied"), action("other"));
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, matcher))) {
      int port = dp.port("ingress");
      String get = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
      assertThat(RawHttp.exchange(port, "PROXY TCP4 192.0.2.10 198.51.100.7 56324 443\r\n" + get, 5000)).endsWith("chain-proxied");
      assertThat(RawHttp.exchange(port, "PROXY TCP4 192.0.2.10 198.51.100.7 56325 443\r\n" + get, 5000)).endsWith("chain-other");
    }
  }
}
