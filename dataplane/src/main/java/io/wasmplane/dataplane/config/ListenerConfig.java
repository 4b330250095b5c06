package io.wasmplane.dataplane.config;

import java.net.InetSocketAddress;
import java.util.Optional;

/** A listener with its single HTTP filter chain, optionally behind TLS. */
public record ListenerConfig(String name, InetSocketAddress address, HcmConfig hcm, Optional<TlsServerConfig> tls) {

  /** Envoy's stat scope for a listener: {@code listener.<ip>_<port>.}. */
  public String statScope() {
    return "listener." + address.getHostString() + "_" + address.getPort();
  }
}
