package io.wasmplane.dataplane.config;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code TlsCertificate}: PEM certificate chain and PEM (PKCS#8) private key. Equal by content. With
 * {@code watched_directory} it also knows where it was read from, so it can be read again when that directory changes.
 * {@code chainPath}: the chain's file, or {@code <inline>} (what /certs shows).
 */
public record CertificateKeyPair(byte[] chainPem, byte[] keyPem, Optional<Watched> watched, String chainPath) {
  /** Files to read again (the {@code TlsCertificate} as configured) when {@code directory} changes. */
  public record Watched(java.nio.file.Path directory, io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate source,
      String where) {}

  public CertificateKeyPair(byte[] chainPem, byte[] keyPem) {
    this(chainPem, keyPem, Optional.empty());
  }

  public CertificateKeyPair(byte[] chainPem, byte[] keyPem, Optional<Watched> watched) {
    this(chainPem, keyPem, watched, INLINE);
  }

  /** Envoy's path for a certificate that came inline. */
  public static final String INLINE = "<inline>";

  /** This certificate as its files are now (checked as at startup), or itself when it is not watched. */
  public CertificateKeyPair reread() {
    return watched.map(w -> TlsTranslator.certificate(w.source(), w.where())).orElse(this);
  }

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
