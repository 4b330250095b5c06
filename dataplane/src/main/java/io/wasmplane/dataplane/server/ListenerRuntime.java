package io.wasmplane.dataplane.server;

import io.netty.handler.ssl.SslContext;
import io.wasmplane.dataplane.config.ListenerConfig;
import io.wasmplane.dataplane.http.HcmRuntime;
import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One filter chain of a bound listener, running: its TLS context, network filters and terminal filter (HCM or TCP
 * proxy). The HTTP connection manager runtime sits behind an atomic reference so a later config update can swap it;
 * each stream reads it once when it starts. {@link ListenerChains} picks the chain for each new connection.
 */
public final class ListenerRuntime {
  private final ListenerConfig config;
  private volatile io.wasmplane.dataplane.config.FilterChainConfig chain;
  private final AtomicReference<HcmRuntime> hcm;
  private final DrainManager drains;
  private final Optional<SslContext> ssl;
  /** This runtime's downstream connections, so an update or removal can drain just them. */
  final io.netty.channel.group.ChannelGroup connections =
      new io.netty.channel.group.DefaultChannelGroup("listener", io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
  private final io.wasmplane.dataplane.network.NetworkFilters networkFilters;
  private final io.wasmplane.dataplane.network.TcpProxy tcpProxy;
  volatile Counter cxTotal;
  volatile Gauge cxActive;
  volatile io.wasmplane.dataplane.stats.Histogram cxLengthMs;
  /** Envoy's listener.<address>.network_extension_config_missing: connections closed for want of an ECDS config. */
  volatile Counter networkConfigMissing;
  /** Envoy's listener.<address>.ssl.* (TLS listeners). */
  volatile io.wasmplane.dataplane.tls.TlsStats tlsStats;
  /**
   * The listener's own hold on its network chain plus one per connection being set up. Each connection's handlers
   * take their own plugin references while set up, so once the listener is retired (update, removal) the chain's
   * owner references go as soon as no set-up is in flight, and the plugin versions with the last connection using them.
   */
  private final java.util.concurrent.atomic.AtomicInteger holders = new java.util.concurrent.atomic.AtomicInteger(1);
  private final java.util.concurrent.atomic.AtomicBoolean retired = new java.util.concurrent.atomic.AtomicBoolean();

  /** With network filters (may be null: none) and, for a TCP chain, the TCP proxy instead of an HCM (hcm null). */
  ListenerRuntime(ListenerConfig config, io.wasmplane.dataplane.config.FilterChainConfig chain, HcmRuntime hcm,
      Optional<SslContext> ssl, StatsRegistry stats, io.wasmplane.dataplane.network.NetworkFilters networkFilters,
      io.wasmplane.dataplane.network.TcpProxy tcpProxy, DrainManager drains) {
    this.drains = drains;
    this.config = config;
    this.chain = chain;
    this.hcm = new AtomicReference<>(hcm);
    this.ssl = ssl;
    this.networkFilters = networkFilters;
    this.tcpProxy = tcpProxy;
    useStatScope(config.statScope(), stats);
  }

  /** Envoy names listener stats by address; with port 0 the real port is known only after binding. */
  void useStatScope(String scope, StatsRegistry stats) {
    this.cxTotal = stats.counter(scope + ".downstream_cx_total");
    this.cxActive = stats.gauge(scope + ".downstream_cx_active");
    this.cxLengthMs = stats.histogram(scope + ".downstream_cx_length_ms");
    this.networkConfigMissing = stats.counter(scope + ".network_extension_config_missing");
    this.tlsStats = ssl.isPresent() ? new io.wasmplane.dataplane.tls.TlsStats(stats, scope) : null;
  }

  /**
   * The listener config this chain was built with: a chain an in-place update kept unchanged still reports the
   * version it was built under (its own config, {@link #chain()}, is the same in both).
   */
  public ListenerConfig config() {
    return config;
  }

  /** This chain's configuration. */
  public io.wasmplane.dataplane.config.FilterChainConfig chain() {
    return chain;
  }

  /** Whether a response should close its connection: the server is health-check failed or drains this listener. */
  boolean drainClose() {
    return drains.drainClose(config);
  }

  public HcmRuntime hcm() {
    return hcm.get();
  }

  public void swapHcm(HcmRuntime next) {
    hcm.set(next);
  }

  /** A new version of this chain that differs only inside its HCM: new streams get {@code next}. */
  void swapHcm(io.wasmplane.dataplane.config.FilterChainConfig next, HcmRuntime nextHcm) {
    chain = next;
    hcm.set(nextHcm);
  }

  /** A new connection is being set up on this runtime; false once it is retired (take the listener's current one). */
  boolean enter() {
    for (int n = holders.get(); n > 0; n = holders.get()) {
      if (holders.compareAndSet(n, n + 1)) {
        return true;
      }
    }
    return false;
  }

  /** The connection's set-up is done (its handlers hold what they use). */
  void exit() {
    if (holders.decrementAndGet() == 0) {
      closeNetwork();
    }
  }

  /** No new connection gets this runtime any more (idempotent); its chain goes once no set-up is in flight. */
  void retire() {
    if (retired.compareAndSet(false, true)) {
      exit();
    }
  }

  /** Drops the plugin references of this runtime's network filters and tcp_proxy access loggers (idempotent). */
  private void closeNetwork() {
    if (ssl.isPresent() && ssl.get() instanceof io.wasmplane.dataplane.tls.SwappableSslContext s) {
      s.close(); // stops following its SDS secrets
    }
    if (networkFilters != null) {
      networkFilters.close();
    }
    if (tcpProxy != null) {
      tcpProxy.close();
    }
  }

  /** Network filters in front of the terminal filter; null when there are none. */
  public io.wasmplane.dataplane.network.NetworkFilters networkFilters() {
    return networkFilters;
  }

  /** The TCP proxy when this listener's terminal filter is envoy.filters.network.tcp_proxy, else null. */
  public io.wasmplane.dataplane.network.TcpProxy tcpProxy() {
    return tcpProxy;
  }

  Optional<SslContext> ssl() {
    return ssl;
  }
}
