package io.wasmplane.dataplane.config;

import java.util.List;
import java.util.Optional;

/**
 * One filter chain of a listener: when it applies ({@code match}), optional TLS, zero or more network filters, then
 * exactly one terminal filter, the HTTP connection manager ({@code hcm}) or the TCP proxy ({@code tcpProxy}); the
 * other is null / empty. {@code name} is the chain's name, or its position when it has none.
 */
public record FilterChainConfig(String name, FilterChainMatchSpec match, HcmConfig hcm, Optional<TlsServerConfig> tls,
    List<NetworkFilterConfig> networkFilters, Optional<TcpProxyConfig> tcpProxy) {
  public FilterChainConfig {
    networkFilters = List.copyOf(networkFilters);
  }

  /** Everything but the HCM's contents: what decides whether an update can swap the HCM in place. */
  public boolean sameShape(FilterChainConfig o) {
    return match.equals(o.match) && tls.equals(o.tls) && networkFilters.equals(o.networkFilters)
        && (hcm == null) == (o.hcm == null) && tcpProxy.equals(o.tcpProxy);
  }
}
