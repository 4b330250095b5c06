package io.wasmplane.dataplane.config;

import java.util.Arrays;

/** A {@code TlsCertificate}: PEM certificate chain and PEM (PKCS#8) private key. Equal by content. */
public record CertificateKeyPair(byte[] chainPem, byte[] keyPem) {
  @Override
  public boolean equals(Object o) {
    return o instanceof CertificateKeyPair p && Arrays.equals(chainPem, p.chainPem) && Arrays.equals(keyPem, p.keyPem);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(chainPem) + Arrays.hashCode(keyPem);
  }

  @Override
  public String toString() {
    return "CertificateKeyPair[chain " + chainPem.length + " bytes]";
  }
}
