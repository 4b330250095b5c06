package io.wasmplane.xds;

import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS towards the control plane. Without {@code trustedCa} the JDK trust store is used; a certificate chain and key
 * together enable mTLS; {@code sni} overrides the authority checked against the server certificate.
 */
public record TlsOptions(Optional<Path> trustedCa, Optional<Path> certificateChain, Optional<Path> privateKey,
    Optional<String> sni) {
  public TlsOptions {
    if (certificateChain.isPresent() != privateKey.isPresent()) {
      throw new IllegalArgumentException("certificate chain and private key go together");
    }
  }
}
