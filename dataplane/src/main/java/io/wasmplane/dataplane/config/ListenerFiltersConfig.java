package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.Optional;

/**
 * A listener's {@code listener_filters}: the TLS inspector (SNI, ALPN, transport protocol "tls") and the HTTP inspector
 * (application protocol http/1.0, http/1.1 or h2c), each peeking at the first bytes without consuming them, and each
 * skipped for connections its {@code filter_disabled} matches; within {@code timeout} (zero: none); on timeout the
 * connection is closed unless {@code continueOnTimeout}. Before them the PROXY protocol filter ({@code proxyProtocol})
 * consumes its header; {@code originalDst} is the original_dst filter (the destination is the one a PROXY header
 * carried, else the socket's local address: Java cannot read SO_ORIGINAL_DST).
 */
public record ListenerFiltersConfig(boolean tlsInspector, boolean httpInspector, Duration timeout, boolean continueOnTimeout,
    Optional<PortPredicate> tlsDisabled, Optional<PortPredicate> httpDisabled, Optional<ProxyProtocolConfig> proxyProtocol,
    boolean originalDst) {
  /** Envoy's listener_filters_timeout default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
  public static final ListenerFiltersConfig NONE =
      new ListenerFiltersConfig(false, false, DEFAULT_TIMEOUT, false, Optional.empty(), Optional.empty());

  public ListenerFiltersConfig(boolean tlsInspector, boolean httpInspector, Duration timeout, boolean continueOnTimeout) {
    this(tlsInspector, httpInspector, timeout, continueOnTimeout, Optional.empty(), Optional.empty());
  }

  public ListenerFiltersConfig(boolean tlsInspector, boolean httpInspector, Duration timeout, boolean continueOnTimeout,
      Optional<PortPredicate> tlsDisabled, Optional<PortPredicate> httpDisabled) {
    this(tlsInspector, httpInspector, timeout, continueOnTimeout, tlsDisabled, httpDisabled, Optional.empty(), false);
  }

  /** Whether new connections are read (inspected or their PROXY header consumed) before their filter chain is chosen. */
  public boolean any() {
    return tlsInspector || httpInspector || proxyProtocol.isPresent();
  }

  /** The filters that run for a connection to {@code localPort} (those not disabled for it). */
  public ListenerFiltersConfig forPort(int localPort) {
    boolean tls = tlsInspector && tlsDisabled.map(p -> !p.test(localPort)).orElse(true);
    boolean http = httpInspector && httpDisabled.map(p -> !p.test(localPort)).orElse(true);
    return tls == tlsInspector && http == httpInspector ? this
        : new ListenerFiltersConfig(tls, http, timeout, continueOnTimeout, Optional.empty(), Optional.empty(), proxyProtocol, originalDst);
  }
}
