package io.wasmplane.dataplane.config;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Ad-hoc measurement (not run by the tests): ns per {@link FilterChainSelector#select} on an Istio-gateway-like
 * listener, 20 exact SNI chains, a wildcard chain and a raw_buffer chain; the lookup runs once per new connection.
 * {@code java -cp dataplane/target/classes:dataplane/target/test-classes io.wasmplane.dataplane.config.FilterChainSelectBench}
 */
public final class FilterChainSelectBench {
  private FilterChainSelectBench() {}

  private static FilterChainMatchSpec match(List<String> names, String transport) {
    return new FilterChainMatchSpec(0, List.of(), names, transport, List.of(), List.of(), FilterChainMatchSpec.SourceType.ANY,
        List.of(), List.of());
  }

  public static void main(String[] args) {
    List<FilterChainMatchSpec> matches = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      matches.add(match(List.of("svc" + i + ".example.com"), "tls"));
      names.add("c" + i);
    }
    matches.add(match(List.of("*.example.com"), "tls"));
    names.add("wildcard");
    matches.add(match(List.of(), "raw_buffer"));
    names.add("raw");
    FilterChainSelector selector = new FilterChainSelector(matches, names, "bench");
    InetSocketAddress local = new InetSocketAddress("127.0.0.1", 8443);
    InetSocketAddress remote = new InetSocketAddress("127.0.0.1", 50000);
    ConnectionFacts[] facts = {
        new ConnectionFacts(local, remote, "svc17.example.com", "tls", List.of("h2", "http/1.1")),
        new ConnectionFacts(local, remote, "other.example.com", "tls", List.of("h2")),
        ConnectionFacts.of(local, remote)};
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
