package io.wasmplane.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pinned client certificates without require_client_certificate: a client without a certificate is served (counted
 * as ssl.no_certificate), a certificate whose sha256 (colon form, as Envoy prints it) or SPKI hash is pinned is
 * served, another certificate of the same CA fails with ssl.fail_verify_cert_hash.
 */
@Timeout(60)
class CertificatePinningTest {
  @TempDir
  Path dir;

  @Test
  void onlyPinnedCertificatesPassAndClientsWithoutOneAreServed() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    TestPki.Leaf byHash = pki.issue("by-hash", "extendedKeyUsage=clientAuth\n");
    TestPki.Leaf bySpki = pki.issue("by-spki", "extendedKeyUsage=clientAuth\n");
    TestPki.Leaf other = pki.issue("other", "extendedKeyUsage=clientAuth\n");
    X509Certificate hashCert = load(byHash.cert());
    String colonHash = HexFormat.ofDelimiter(":").withUpperCase().formatHex(MessageDigest.getInstance("SHA-256").digest(hashCert.getEncoded()));
    String spki = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(load(bySpki.cert()).getPublicKey().getEncoded()));
    String transport = """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
            common_tls_context:
              tls_certificates: [{certificate_chain: {filename: %s}, private_key: {filename: %s}}]
              validation_context:
                trusted_ca: {filename: %s}
                verify_certificate_hash: ["%s"]
                verify_certificate_spki: ["%s"]
        """.formatted(pki.serverCert(), pki.serverKey(), pki.caCert(), colonHash, spki);
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: up}
        """;
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("up", up.port(), null),
            Path.of("/dev/null"), transport))) {
      String url = "https://127.0.0.1:" + dp.port("ingress") + "/pinned";
      String ssl = "listener.127.0.0.1_" + dp.port("ingress") + ".ssl.";
      assertThat(Http.get(Http.mtls(pki.caCert(), byHash.cert(), byHash.key()), url).statusCode()).isEqualTo(200);
      assertThat(Http.get(Http.mtls(pki.caCert(), bySpki.cert(), bySpki.key()), url).statusCode()).isEqualTo(200);
      assertThat(Http.get(Http.mtls(pki.caCert(), null, null), url).statusCode()).isEqualTo(200);
      assertThat(counter(dp, ssl + "no_certificate")).isEqualTo(1);
      assertThatThrownBy(() -> Http.get(Http.mtls(pki.caCert(), other.cert(), other.key()), url)).isInstanceOf(IOException.class);
      for (int i = 0; i < 100 && counter(dp, ssl + "fail_verify_cert_hash") == 0; i++) {
        Thread.sleep(50);
      }
      assertThat(counter(dp, ssl + "fail_verify_cert_hash")).isGreaterThanOrEqualTo(1);
      assertThat(counter(dp, ssl + "handshake")).isEqualTo(3);
    }
  }

  private static long counter(Dataplane dp, String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  private static X509Certificate load(Path p) throws Exception {
    try (var in = Files.newInputStream(p)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}
