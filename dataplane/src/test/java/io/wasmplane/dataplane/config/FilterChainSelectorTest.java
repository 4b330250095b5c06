package io.wasmplane.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Envoy's selection rules case by case: specificity per criterion, the order of criteria, no going back. */
class FilterChainSelectorTest {
  private static FilterChainMatchSpec match(int port, List<String> prefixes, List<String> names, String transport, List<String> alpn,
      List<Integer> sourcePorts) {
    List<IpPrefix> p = new ArrayList<>();
    for (String s : prefixes) {
      String[] parts = s.split("/");
      p.add(IpPrefix.parse(parts[0], Integer.parseInt(parts[1]), "test"));
    }
    return new FilterChainMatchSpec(port, p, names, transport, alpn, List.of(), FilterChainMatchSpec.SourceType.ANY, List.of(),
        sourcePorts);
  }

  private static FilterChainSelector selector(FilterChainMatchSpec... m) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < m.length; i++) {
      names.add("c" + i);
    }
    return new FilterChainSelector(List.of(m), names, "test");
  }

  private static ConnectionFacts facts(String localIp, int localPort, int remotePort, String sni, String transport, List<String> alpn) {
    return new ConnectionFacts(new InetSocketAddress(localIp, localPort), new InetSocketAddress("127.0.0.1", remotePort), sni, transport,
        alpn);
  }

  @Test
  void longestDestinationPrefixWinsAndChainsWithoutRangesCatchTheRest() {
    FilterChainSelector s = selector(
        match(0, List.of("10.0.0.0/8"), List.of(), "", List.of(), List.of()),
        match(0, List.of("10.1.0.0/16", "fd00::/8"), List.of(), "", List.of(), List.of()),
        match(0, List.of(), List.of(), "", List.of(), List.of()));
    assertThat(s.select(facts("10.1.2.3", 80, 5000, "", "raw_buffer", List.of()))).isEqualTo(1);
    assertThat(s.select(facts("10.2.0.1", 80, 5000, "", "raw_buffer", List.of()))).isEqualTo(0);
    assertThat(s.select(facts("192.168.0.1", 80, 5000, "", "raw_buffer", List.of()))).isEqualTo(2);
    assertThat(s.select(facts("fd12::1", 80, 5000, "", "raw_buffer", List.of()))).isEqualTo(1);
    assertThat(s.select(facts("::1", 80, 5000, "", "raw_buffer", List.of()))).isEqualTo(2);
  }

  @Test
  void serverNamesExactThenLongestWildcardThenNone() {
    FilterChainSelector s = selector(
        match(0, List.of(), List.of("www.example.com"), "", List.of(), List.of()),
        match(0, List.of(), List.of("*.example.com"), "", List.of(), List.of()),
        match(0, List.of(), List.of("*.com"), "", List.of(), List.of()),
        match(0, List.of(), List.of(), "", List.of(), List.of()));
    assertThat(s.select(facts("127.0.0.1", 443, 5000, "www.example.com", "tls", List.of()))).isEqualTo(0);
    assertThat(s.select(facts("127.0.0.1", 443, 5000, "api.example.com", "tls", List.of()))).isEqualTo(1);
    assertThat(s.select(facts("127.0.0.1", 443, 5000, "example.com", "tls", List.of()))).isEqualTo(2);
    assertThat(s.select(facts("127.0.0.1", 443, 5000, "example.org", "tls", List.of()))).isEqualTo(3);
    assertThat(s.select(facts("127.0.0.1", 443, 5000, "", "raw_buffer", List.of()))).isEqualTo(3);
  }

  @Test
  void theClientsFirstOfferedProtocolThatSomeChainNamesWins() {
    FilterChainSelector s = selector(
        match(0, List.of(), List.of(), "tls", List.of("h2"), List.of()),
        match(0, List.of(), List.of(), "tls", List.of("http/1.1"), List.of()),
        match(0, List.of(), List.of(), "tls", List.of(), List.of()));
    assertThat(s.select(facts("127.0.0.1", 443, 5000, "", "tls", List.of("http/1.1", "h2")))).isEqualTo(1);
    assertThat(s.select(facts("127.0.0.1", 443, 5000, "", "tls", List.of("h2", "http/1.1")))).isEqualTo(0);
    assertThat(s.select(facts("127.0.0.1", 443, 5000, "", "tls", List.of("spdy/3")))).isEqualTo(2);
    assertThat(s.select(facts("127.0.0.1", 443, 5000, "", "raw_buffer", List.of()))).as("transport narrows first").isEqualTo(-1);
  }

  @Test
  void aMoreSpecificEarlierCriterionIsNeverGivenUpForALaterOne() {
    FilterChainSelector s = selector(
        match(0, List.of(), List.of("a.example.com"), "", List.of(), List.of(1234)),
        match(0, List.of(), List.of(), "", List.of(), List.of()),
        match(8443, List.of(), List.of(), "", List.of(), List.of(4321)));
    // The exact server name chose chain 0; its source port does not match and Envoy does not fall back to chain 1.
    assertThat(s.select(facts("127.0.0.1", 443, 5000, "a.example.com", "tls", List.of()))).isEqualTo(-1);
    assertThat(s.select(facts("127.0.0.1", 443, 1234, "a.example.com", "tls", List.of()))).isEqualTo(0);
    assertThat(s.select(facts("127.0.0.1", 443, 5000, "b.example.com", "tls", List.of()))).isEqualTo(1);
    // Port 8443 has its own chain: wrong source port, no fall back to the chains without a port.
    assertThat(s.select(facts("127.0.0.1", 8443, 5000, "b.example.com", "tls", List.of()))).isEqualTo(-1);
    assertThat(s.select(facts("127.0.0.1", 8443, 4321, "a.example.com", "tls", List.of()))).isEqualTo(2);
  }
}
