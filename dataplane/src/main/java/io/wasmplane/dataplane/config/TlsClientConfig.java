package io.wasmplane.dataplane.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Upstream TLS: SNI, optional trusted CA (none = no verification, as Envoy without a validation context). */
public record TlsClientConfig(Optional<String> sni, Optional<byte[]> trustedCaPem, List<String> alpn) {
  @Override
  public boolean equals(Object o) {
    return o instanceof TlsClientConfig t && sni.equals(t.sni) && alpn.equals(t.alpn)
        && Arrays.equals(trustedCaPem.orElse(null), t.trustedCaPem.orElse(null));
  }

  @Override
  public int hashCode() {
    return 31 * (31 * sni.hashCode() + Arrays.hashCode(trustedCaPem.orElse(null))) + alpn.hashCode();
  }
}
