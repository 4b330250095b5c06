package io.wasmplane.dataplane.listener;

import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;
import io.wasmplane.dataplane.stats.StatsRegistry;

/** Envoy's listener filter stats: the listener's pre-connection ones and the inspectors' own (root scope). */
public final class ListenerFilterStats {
  final Counter preCxTimeout;
  final Gauge preCxActive;
  final Counter filterError;
  final Counter tlsFound;
  final Counter tlsNotFound;
  final Counter sniFound;
  final Counter sniNotFound;
  final Counter alpnFound;
  final Counter alpnNotFound;
  final Counter clientHelloTooLarge;
  final Counter http10Found;
  final Counter http11Found;
  final Counter http2Found;
  final Counter httpNotFound;
  /** Null when the listener has no PROXY protocol filter. */
  final ProxyProtocolStats proxyProtocol;

  /** {@code scope} is the listener's, {@code listener.<address>}. */
  public ListenerFilterStats(String scope, StatsRegistry stats) {
    this(scope, stats, io.wasmplane.dataplane.config.ListenerFiltersConfig.NONE);
  }

  public ListenerFilterStats(String scope, StatsRegistry stats, io.wasmplane.dataplane.config.ListenerFiltersConfig filters) {
    proxyProtocol = filters.proxyProtocol().map(p -> new ProxyProtocolStats(p, stats)).orElse(null);
    preCxTimeout = stats.counter(scope + ".downstream_pre_cx_timeout");
    preCxActive = stats.gauge(scope + ".downstream_pre_cx_active");
    filterError = stats.counter(scope + ".downstream_listener_filter_error");
    tlsFound = stats.counter("tls_inspector.tls_found");
    tlsNotFound = stats.counter("tls_inspector.tls_not_found");
    sniFound = stats.counter("tls_inspector.sni_found");
    sniNotFound = stats.counter("tls_inspector.sni_not_found");
    alpnFound = stats.counter("tls_inspector.alpn_found");
    alpnNotFound = stats.counter("tls_inspector.alpn_not_found");
    clientHelloTooLarge = stats.counter("tls_inspector.client_hello_too_large");
    http10Found = stats.counter("http_inspector.http10_found");
    http11Found = stats.counter("http_inspector.http11_found");
    http2Found = stats.counter("http_inspector.http2_found");
    httpNotFound = stats.counter("http_inspector.http_not_found");
  }
}
