package io.wasmplane.dataplane.config;

import java.time.Duration;

/**
 * A listener's {@code listener_filters}: the TLS inspector (SNI, ALPN, transport protocol "tls") and the HTTP inspector
 * (application protocol http/1.0, http/1.1 or h2c), each peeking at the first bytes without consuming them, within
 * {@code timeout} (zero: none); on timeout the connection is closed unless {@code continueOnTimeout}.
 */
public record ListenerFiltersConfig(boolean tlsInspector, boolean httpInspector, Duration timeout, boolean continueOnTimeout) {
  /** Envoy's listener_filters_timeout default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
  public static final ListenerFiltersConfig NONE = new ListenerFiltersConfig(false, false, DEFAULT_TIMEOUT, false);

  /** Whether new connections are inspected before their filter chain is chosen. */
  public boolean any() {
    return tlsInspector || httpInspector;
  }
}
