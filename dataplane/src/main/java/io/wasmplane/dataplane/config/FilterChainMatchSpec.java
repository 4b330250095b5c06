package io.wasmplane.dataplane.config;

import java.util.List;

/**
 * Envoy's FilterChainMatch, validated: empty lists, port 0, "" and {@link SourceType#ANY} mean "no requirement".
 * Server names are lower case; a wildcard is {@code *.suffix}.
 */
public record FilterChainMatchSpec(
    int destinationPort,
    List<IpPrefix> prefixRanges,
    List<String> serverNames,
    String transportProtocol,
    List<String> applicationProtocols,
    List<IpPrefix> directSourcePrefixRanges,
    SourceType sourceType,
    List<IpPrefix> sourcePrefixRanges,
    List<Integer> sourcePorts) {

  /** No requirement at all: every connection matches. */
  public static final FilterChainMatchSpec ANY =
      new FilterChainMatchSpec(0, List.of(), List.of(), "", List.of(), List.of(), SourceType.ANY, List.of(), List.of());

  public FilterChainMatchSpec {
    prefixRanges = List.copyOf(prefixRanges);
    serverNames = List.copyOf(serverNames);
    applicationProtocols = List.copyOf(applicationProtocols);
    directSourcePrefixRanges = List.copyOf(directSourcePrefixRanges);
    sourcePrefixRanges = List.copyOf(sourcePrefixRanges);
    sourcePorts = List.copyOf(sourcePorts);
  }

  /** Envoy's ConnectionSourceType: LOCAL is SAME_IP_OR_LOOPBACK. */
  public enum SourceType { ANY, LOCAL, EXTERNAL }

  /**
   * Whether selecting a chain by this match needs the ClientHello; Envoy injects the TLS inspector then: transport
   * "tls", or no transport protocol but server names or application protocols.
   */
  public boolean needsTlsInspector() {
    return transportProtocol.equals("tls")
        || (transportProtocol.isEmpty() && (!serverNames.isEmpty() || !applicationProtocols.isEmpty()));
  }
}
