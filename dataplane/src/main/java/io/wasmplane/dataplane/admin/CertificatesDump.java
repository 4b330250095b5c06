package io.wasmplane.dataplane.admin;

import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.Certificate;
import io.envoyproxy.envoy.admin.v3.CertificateDetails;
import io.envoyproxy.envoy.admin.v3.Certificates;
import io.envoyproxy.envoy.admin.v3.SubjectAlternateName;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.wasmplane.dataplane.config.CertificateKeyPair;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.Pem;
import io.wasmplane.dataplane.config.TlsMaterial;
import io.wasmplane.dataplane.server.DataplaneServer;
import io.wasmplane.dataplane.server.ListenerRuntime;
import io.wasmplane.dataplane.tls.SecretStore;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * /certs: Envoy's {@code envoy.admin.v3.Certificates}, one entry per TLS context (listener filter chains, then
 * clusters), each with its CA and its certificates (the leaf of each chain), as they are now (SDS secrets resolved).
 */
final class CertificatesDump {
  private CertificatesDump() {}

  static Certificates build(DataplaneServer server) {
    Certificates.Builder out = Certificates.newBuilder();
    SecretStore secrets = server.secrets();
    server.listeners().forEach((name, b) -> {
      for (ListenerRuntime rt : b.runtimes()) {
        rt.chain().tls().ifPresent(t -> add(out, t.material(), secrets, "listener " + name));
      }
    });
    for (UpstreamCluster c : server.clusters().all()) {
      // The cluster's transport_socket, then those of its transport_socket_matches.
      c.config().allTls().forEach(t -> add(out, t.material(), secrets, "cluster " + c.config().name()));
    }
    return out.build();
  }

  private static void add(Certificates.Builder out, TlsMaterial m, SecretStore secrets, String where) {
    TlsMaterial.ResolvedTls resolved;
    try {
      resolved = secrets.resolve(m, where);
    } catch (ConfigException e) {
      return; // an SDS secret not received yet: Envoy has no context to show either
    }
    Certificate.Builder cert = Certificate.newBuilder();
    resolved.validation().flatMap(v -> v.trustedCaPem()).ifPresent(ca -> {
      String path = m.validation().filter(CertificateValidationContext::hasTrustedCa)
          .map(v -> v.getTrustedCa().hasFilename() ? v.getTrustedCa().getFilename() : CertificateKeyPair.INLINE)
          .orElse(CertificateKeyPair.INLINE);
      List<X509Certificate> cas = Pem.certificates(ca, where + " trusted_ca");
      cas.forEach(x -> cert.addCaCert(details(x, path)));
    });
    for (CertificateKeyPair p : resolved.certificates()) {
      cert.addCertChain(details(Pem.certificates(p.chainPem(), where).get(0), p.chainPath()));
    }
    out.addCertificates(cert);
  }

  private static CertificateDetails details(X509Certificate x, String path) {
    Instant now = Instant.now();
    Instant notAfter = x.getNotAfter().toInstant();
    CertificateDetails.Builder d = CertificateDetails.newBuilder()
        .setPath(path)
        .setSerialNumber(x.getSerialNumber().toString(16).toLowerCase(Locale.ROOT))
        .setDaysUntilExpiration(Math.max(0, Duration.between(now, notAfter).toDays()))
        .setValidFrom(timestamp(x.getNotBefore().toInstant()))
        .setExpirationTime(timestamp(notAfter));
    subjectAltNames(x).forEach(d::addSubjectAltNames);
    return d.build();
  }

  /** DNS, URI and IP SANs (X.509 GeneralName types 2, 6 and 7), in certificate order. */
  private static List<SubjectAlternateName> subjectAltNames(X509Certificate x) {
    try {
      var sans = Optional.ofNullable(x.getSubjectAlternativeNames()).orElse(List.of());
      return sans.stream().map(san -> {
        int type = (Integer) san.get(0);
        String value = String.valueOf(san.get(1));
        return switch (type) {
          case 2 -> SubjectAlternateName.newBuilder().setDns(value).build();
          case 6 -> SubjectAlternateName.newBuilder().setUri(value).build();
          case 7 -> SubjectAlternateName.newBuilder().setIpAddress(value).build();
          default -> null;
        };
      }).filter(java.util.Objects::nonNull).toList();
    } catch (CertificateParsingException e) {
      return List.of();
    }
  }

  private static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).build();
  }
}
