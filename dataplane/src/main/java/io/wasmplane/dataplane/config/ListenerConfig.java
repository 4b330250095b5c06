package io.wasmplane.dataplane.config;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A listener: its address, its filter chains (chosen per connection by {@link FilterChainSelector}), the chain for
 * connections no chain matches ({@code defaultChain}), and the listener filters that inspect a connection first.
 * {@code useOriginalDst}: connections whose destination was restored go to the listener for that destination, if any;
 * {@code bindToPort} false: the listener binds nothing and only gets such handed-off connections. {@code socketOptions}
 * are set on the listening socket and its connections; {@code accessLogs} log connections no filter chain took.
 * {@code chainMatcher}: the listener's {@code filter_chain_matcher}, which then chooses the chain instead of each
 * chain's match. {@code drain}: its {@code traffic_direction} and {@code drain_type}, for the admin drains.
 */
public record ListenerConfig(String name, InetSocketAddress address, List<FilterChainConfig> filterChains,
    Optional<FilterChainConfig> defaultChain, ListenerFiltersConfig listenerFilters, boolean useOriginalDst,
    boolean bindToPort, List<SocketOptionSpec> socketOptions, List<AccessLogConfig> accessLogs,
    Optional<FilterChainMatcher> chainMatcher, ListenerDrainSpec drain) {

  public ListenerConfig {
    filterChains = List.copyOf(filterChains);
    socketOptions = List.copyOf(socketOptions);
    accessLogs = List.copyOf(accessLogs);
  }

  /** A listener whose chains are chosen by their {@code filter_chain_match}. */
  public ListenerConfig(String name, InetSocketAddress address, List<FilterChainConfig> filterChains,
      Optional<FilterChainConfig> defaultChain, ListenerFiltersConfig listenerFilters, boolean useOriginalDst,
      boolean bindToPort, List<SocketOptionSpec> socketOptions, List<AccessLogConfig> accessLogs) {
    this(name, address, filterChains, defaultChain, listenerFilters, useOriginalDst, bindToPort, socketOptions, accessLogs,
        Optional.empty(), ListenerDrainSpec.DEFAULT);
  }

  /** How a connection's chain is chosen: the listener's {@code filter_chain_matcher}, else each chain's match. */
  public ChainSelection chainSelection() {
    if (chainMatcher.isPresent()) {
      return chainMatcher.get();
    }
    return new FilterChainSelector(filterChains.stream().map(FilterChainConfig::match).toList(),
        filterChains.stream().map(c -> "'" + c.name() + "'").toList(), "listener " + name);
  }

  public ListenerConfig(String name, InetSocketAddress address, List<FilterChainConfig> filterChains,
      Optional<FilterChainConfig> defaultChain, ListenerFiltersConfig listenerFilters, boolean useOriginalDst,
      boolean bindToPort) {
    this(name, address, filterChains, defaultChain, listenerFilters, useOriginalDst, bindToPort, List.of(), List.of());
  }

  public ListenerConfig(String name, InetSocketAddress address, List<FilterChainConfig> filterChains,
      Optional<FilterChainConfig> defaultChain, ListenerFiltersConfig listenerFilters) {
    this(name, address, filterChains, defaultChain, listenerFilters, false, true);
  }

  /** A listener with a single filter chain that matches every connection. */
  public ListenerConfig(String name, InetSocketAddress address, HcmConfig hcm, Optional<TlsServerConfig> tls,
      List<NetworkFilterConfig> networkFilters, Optional<TcpProxyConfig> tcpProxy) {
    this(name, address, List.of(new FilterChainConfig("filter_chains[0]", FilterChainMatchSpec.ANY, hcm, tls, networkFilters,
        tcpProxy)), Optional.empty(), ListenerFiltersConfig.NONE);
  }

  /** An HTTP listener without network filters. */
  public ListenerConfig(String name, InetSocketAddress address, HcmConfig hcm, Optional<TlsServerConfig> tls) {
    this(name, address, hcm, tls, List.of(), Optional.empty());
  }

  /** Every chain: {@code filter_chains} in order, then the default chain if there is one. */
  public List<FilterChainConfig> chains() {
    List<FilterChainConfig> all = new ArrayList<>(filterChains);
    defaultChain.ifPresent(all::add);
    return all;
  }

  /**
   * The first chain's HCM (null for a TCP proxy chain); code that handles any listener goes through {@link #chains()}.
   * (There is deliberately no such shortcut for TLS: each chain has its own certificates.)
   */
  public HcmConfig hcm() {
    return chains().get(0).hcm();
  }

  /** The first chain's network filters. */
  public List<NetworkFilterConfig> networkFilters() {
    return chains().get(0).networkFilters();
  }

  /** The first chain's TCP proxy. */
  public Optional<TcpProxyConfig> tcpProxy() {
    return chains().get(0).tcpProxy();
  }

  /** Envoy's stat scope for a listener: {@code listener.<ip>_<port>.}. */
  public String statScope() {
    return "listener." + address.getHostString() + "_" + address.getPort();
  }
}
