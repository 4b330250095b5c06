package io.wasmplane.dataplane.config;

import java.util.List;

/**
 * {@code TlsParameters} as JDK names: the protocol versions enabled (min..max, e.g. TLSv1.2, TLSv1.3) and the cipher
 * suites (empty = the JDK's defaults).
 */
public record TlsParams(List<String> protocols, List<String> cipherSuites) {
  /** Envoy's defaults (servers and clients): TLS 1.2 to 1.3. */
  public static final TlsParams DEFAULT = new TlsParams(List.of("TLSv1.2", "TLSv1.3"), List.of());
}
