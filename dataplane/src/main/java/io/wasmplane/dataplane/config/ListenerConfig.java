package io.wasmplane.dataplane.config;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * A listener with its single filter chain, optionally behind TLS: zero or more network filters, then exactly one
 * terminal filter, the HTTP connection manager ({@code hcm}) or the TCP proxy ({@code tcpProxy}); the other is null /
 * empty.
 */
public record ListenerConfig(String name, InetSocketAddress address, HcmConfig hcm, Optional<TlsServerConfig> tls,
    List<NetworkFilterConfig> networkFilters, Optional<TcpProxyConfig> tcpProxy) {

  /** An HTTP listener without network filters. */
  public ListenerConfig(String name, InetSocketAddress address, HcmConfig hcm, Optional<TlsServerConfig> tls) {
    this(name, address, hcm, tls, List.of(), Optional.empty());
  }

  /** Envoy's stat scope for a listener: {@code listener.<ip>_<port>.}. */
  public String statScope() {
    return "listener." + address.getHostString() + "_" + address.getPort();
  }
}
