package io.wasmplane.dataplane.config;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A {@code TlsCertificate}: PEM certificate chain and PEM (PKCS#8) private key. Equal by content. */
public record CertificateKeyPair(byte[] chainPem, byte[] keyPem) {
  /** The private key's algorithm ("RSA", "EC", ...): what the server picks a certificate by. */
  public String keyType() {
    return Pem.privateKey(keyPem, "certificate").getAlgorithm();
  }

  /**
   * Several certificates in one context: at most one per key type, as Envoy (the client's signature algorithms pick
   * the type, so a second of the same type could never be chosen).
   */
  public static void requireDistinctKeyTypes(List<CertificateKeyPair> certs, String where) {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < certs.size(); i++) {
      Integer before = seen.put(certs.get(i).keyType(), i);
      if (before != null) {
        throw new ConfigException(where + "[" + i + "]: a second " + certs.get(i).keyType() + " certificate (first at ["
            + before + "]); at most one certificate per key type is supported");
      }
    }
  }

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
