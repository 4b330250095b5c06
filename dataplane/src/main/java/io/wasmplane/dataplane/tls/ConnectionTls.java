package io.wasmplane.dataplane.tls;

import io.wasmplane.dataplane.config.SanMatcher;
import io.wasmplane.dataplane.config.TlsTranslator;
import io.wasmplane.wasm.PropertyEncoding;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What a finished downstream TLS handshake established, computed once per connection: protocol version and cipher,
 * SNI, and the peer's and our certificate facts (subject in RFC 2253 form, URI/DNS SANs, the peer's sha256 digest).
 * Backs the {@code connection.*} Wasm properties and the {@code %DOWNSTREAM_PEER_*%} / {@code %DOWNSTREAM_LOCAL_*%}
 * access-log operators.
 */
public record ConnectionTls(String version, String cipher, Optional<String> sni, Optional<CertFacts> peer, Optional<CertFacts> local,
    List<X509Certificate> peerChain) {

  /** The facts of one certificate. */
  public record CertFacts(String subject, String issuer, List<String> uriSans, List<String> dnsSans, String sha256Hex, String serialHex) {
    static CertFacts of(X509Certificate c) {
      List<SanMatcher.SanEntry> sans;
      try {
        sans = SanMatcher.SanEntry.of(c.getSubjectAlternativeNames());
      } catch (CertificateParsingException e) {
        sans = List.of();
      }
      return new CertFacts(c.getSubjectX500Principal().getName(), c.getIssuerX500Principal().getName(),
          sans.stream().filter(s -> s.type() == SanMatcher.Type.URI).map(SanMatcher.SanEntry::value).toList(),
          sans.stream().filter(s -> s.type() == SanMatcher.Type.DNS).map(SanMatcher.SanEntry::value).toList(),
          sha256(c), c.getSerialNumber().toString(16));
    }
  }

  /** Whether the client presented a certificate (that passed validation). */
  public boolean mtls() {
    return peer.isPresent();
  }

  public static ConnectionTls of(SSLSession session) {
    Optional<CertFacts> peer = Optional.empty();
    List<X509Certificate> chain = List.of();
    try {
      Certificate[] certs = session.getPeerCertificates();
      if (certs.length > 0 && certs[0] instanceof X509Certificate x) {
        peer = Optional.of(CertFacts.of(x));
        chain = java.util.Arrays.stream(certs).filter(c -> c instanceof X509Certificate).map(c -> (X509Certificate) c).toList();
      }
    } catch (SSLPeerUnverifiedException e) {
      // no client certificate
    }
    Certificate[] mine = session.getLocalCertificates();
    Optional<CertFacts> local = mine != null && mine.length > 0 && mine[0] instanceof X509Certificate x
        ? Optional.of(CertFacts.of(x)) : Optional.empty();
    Optional<String> sni = Optional.empty();
    if (session instanceof ExtendedSSLSession ext) {
      sni = ext.getRequestedServerNames().stream().filter(n -> n instanceof SNIHostName).map(n -> ((SNIHostName) n).getAsciiName()).findFirst();
    }
    return new ConnectionTls(session.getProtocol(), session.getCipherSuite(), sni, peer, local, chain);
  }

  /**
   * Envoy's {@code connection.<field>} TLS properties for this connection; null when Envoy would report the property
   * absent. {@code tls} null = a plaintext connection ({@code mtls} false, the rest absent).
   */
  public static byte[] property(ConnectionTls tls, String field) {
    if (field.equals("mtls")) {
      return PropertyEncoding.bool(tls != null && tls.mtls());
    }
    if (tls == null) {
      return null;
    }
    return switch (field) {
      case "tls_version" -> PropertyEncoding.string(tls.version);
      case "requested_server_name" -> tls.sni.map(PropertyEncoding::string).orElse(null);
      case "subject_peer_certificate" -> tls.peer.map(c -> PropertyEncoding.string(c.subject())).orElse(null);
      case "subject_local_certificate" -> tls.local.map(c -> PropertyEncoding.string(c.subject())).orElse(null);
      case "uri_san_peer_certificate" -> first(tls.peer.map(CertFacts::uriSans));
      case "uri_san_local_certificate" -> first(tls.local.map(CertFacts::uriSans));
      case "dns_san_peer_certificate" -> first(tls.peer.map(CertFacts::dnsSans));
      case "dns_san_local_certificate" -> first(tls.local.map(CertFacts::dnsSans));
      case "sha256_peer_certificate_digest" -> tls.peer.map(c -> PropertyEncoding.string(c.sha256Hex())).orElse(null);
      default -> null;
    };
  }

  private static byte[] first(Optional<List<String>> values) {
    return values.filter(v -> !v.isEmpty()).map(v -> PropertyEncoding.string(v.get(0))).orElse(null);
  }

  static String sha256(X509Certificate c) {
    try {
      return TlsTranslator.hex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }
}
