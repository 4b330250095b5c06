package io.wasmplane.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.OpenSslClient;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TlsProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several {@code tls_certificates} in one DownstreamTlsContext (an RSA and an ECDSA one): an RSA-only client gets the
 * RSA certificate, an ECDSA-capable one the ECDSA certificate, over TLS 1.2 (cipher suites) and TLS 1.3 (signature
 * algorithms in the client's order, from openssl s_client); two of one key type are a config error.
 */
@Timeout(60)
class MultipleCertificatesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private static String cert(Path chain, Path key) throws Exception {
    return "{certificate_chain: {inline_string: %s}, private_key: {inline_string: %s}}"
        .formatted(JSON.writeValueAsString(Files.readString(chain)), JSON.writeValueAsString(Files.readString(key)));
  }

  private static String bootstrap(String... certs) {
    String transport = """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
            common_tls_context:
              tls_certificates: [%s]
        """.formatted(String.join(", ", certs));
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            direct_response: {status: 200}
        """;
    return Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("up", 1, null), Path.of("/dev/null"), transport);
  }

  @Test
  void theClientsSignatureAlgorithmsPickTheCertificate() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    TestPki.Leaf rsa = pki.issueRsa("rsa-server", "subjectAltName=DNS:localhost\n");
    TestPki.Leaf ec = pki.issue("ec-server", "subjectAltName=DNS:localhost\n");
    try (Dataplane dp = Bootstraps.start(bootstrap(cert(rsa.cert(), rsa.key()), cert(ec.cert(), ec.key())))) {
      int port = dp.port("ingress");
      assertThat(TlsProbe.serverSubject(port, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")).isEqualTo("CN=rsa-server");
      assertThat(TlsProbe.serverSubject(port, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).isEqualTo("CN=ec-server");
      // TLS 1.3: the first of the client's signature algorithms that a certificate can serve (both chains are signed by
      // the EC test CA, so ECDSA stays on the list for the chain).
      assertThat(OpenSslClient.handshake(port, "-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256"))
          .contains("CN = rsa-server").contains("Peer signature type: RSA-PSS");
      assertThat(OpenSslClient.handshake(port, "-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256"))
          .contains("CN = ec-server").contains("Peer signature type: ECDSA");
    }
  }

  @Test
  void twoCertificatesOfOneKeyTypeAreAConfigError() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    TestPki.Leaf other = pki.issue("ec-other", "subjectAltName=DNS:localhost\n");
    assertThatThrownBy(() -> Bootstraps.start(bootstrap(cert(pki.serverCert(), pki.serverKey()), cert(other.cert(), other.key()))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("common_tls_context.tls_certificates[1]: a second EC certificate (first at [0])");
  }
}
