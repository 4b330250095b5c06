package io.wasmplane.dataplane.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Upstream TLS: SNI, optional trusted CA (none = no verification, as Envoy without a validation context), optional
 * client certificate chain and key (PEM; mTLS towards the upstream).
 */
public record TlsClientConfig(Optional<String> sni, Optional<byte[]> trustedCaPem, List<String> alpn, Optional<byte[]> certificateChainPem,
    Optional<byte[]> privateKeyPem) {
  public TlsClientConfig(Optional<String> sni, Optional<byte[]> trustedCaPem, List<String> alpn) {
    this(sni, trustedCaPem, alpn, Optional.empty(), Optional.empty());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TlsClientConfig t && sni.equals(t.sni) && alpn.equals(t.alpn)
        && Arrays.equals(trustedCaPem.orElse(null), t.trustedCaPem.orElse(null))
        && Arrays.equals(certificateChainPem.orElse(null), t.certificateChainPem.orElse(null))
        && Arrays.equals(privateKeyPem.orElse(null), t.privateKeyPem.orElse(null));
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * sni.hashCode() + Arrays.hashCode(trustedCaPem.orElse(null))) + alpn.hashCode())
        + Arrays.hashCode(certificateChainPem.orElse(null));
  }
}
