package io.wasmplane.dataplane.config;

import java.util.Arrays;
import java.util.List;

/** Downstream TLS: PEM certificate chain and key, and the ALPN protocols offered. Equal by content. */
public record TlsServerConfig(byte[] certChainPem, byte[] privateKeyPem, List<String> alpn) {
  @Override
  public boolean equals(Object o) {
    return o instanceof TlsServerConfig t && Arrays.equals(certChainPem, t.certChainPem)
        && Arrays.equals(privateKeyPem, t.privateKeyPem) && alpn.equals(t.alpn);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(certChainPem) + Arrays.hashCode(privateKeyPem)) + alpn.hashCode();
  }
}
