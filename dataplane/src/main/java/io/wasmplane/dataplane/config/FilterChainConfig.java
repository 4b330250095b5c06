package io.wasmplane.dataplane.config;

import com.google.protobuf.Message;
import java.util.List;
import java.util.Optional;

/**
 * One filter chain of a listener: when it applies ({@code match}), optional TLS, zero or more network filters, then
 * exactly one terminal filter, the HTTP connection manager ({@code hcm}) or the TCP proxy ({@code tcpProxy}); the
 * other is null / empty. {@code name} is the chain's name, or its position when it has none. {@code source} is the
 * FilterChain proto it was translated from (null when built in code), kept only to tell whether an update changed it.
 */
public record FilterChainConfig(String name, FilterChainMatchSpec match, HcmConfig hcm, Optional<TlsServerConfig> tls,
    List<NetworkFilterConfig> networkFilters, Optional<TcpProxyConfig> tcpProxy, Message source) {
  public FilterChainConfig {
    networkFilters = List.copyOf(networkFilters);
  }

  public FilterChainConfig(String name, FilterChainMatchSpec match, HcmConfig hcm, Optional<TlsServerConfig> tls,
      List<NetworkFilterConfig> networkFilters, Optional<TcpProxyConfig> tcpProxy) {
    this(name, match, hcm, tls, networkFilters, tcpProxy, null);
  }

  /**
   * Whether {@code o} is this chain unchanged, as Envoy decides it: the same FilterChain message (compiled forms such
   * as route tables have no equality of their content) and the same listener-level buffer limit its HCM got.
   */
  public boolean unchanged(FilterChainConfig o) {
    return source != null && source.equals(o.source)
        && (hcm == null ? o.hcm == null : o.hcm != null && hcm.bufferLimitBytes() == o.hcm.bufferLimitBytes());
  }

  /** Everything but the HCM's contents: what decides whether an update can swap the HCM in place. */
  public boolean sameShape(FilterChainConfig o) {
    return match.equals(o.match) && tls.equals(o.tls) && networkFilters.equals(o.networkFilters)
        && (hcm == null) == (o.hcm == null) && tcpProxy.equals(o.tcpProxy);
  }
}
