package io.wasmplane.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code static_resources.secrets} referenced by SDS name (no {@code sds_config}) from a DownstreamTlsContext: the
 * listener serves mTLS with them; a reference to a secret that is not there, or of the wrong kind, is a startup error
 * naming the listener and the secret. /config_dump shows the secret with its inline private key redacted (and a
 * {@code generic_secret}'s value).
 */
@Timeout(60)
class StaticSecretsTest {
  @TempDir
  Path dir;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static String bootstrap(TestPki pki, int upstreamPort, String certSecret, String caSecret) throws Exception {
    String transport = """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
            require_client_certificate: true
            common_tls_context:
              tls_certificate_sds_secret_configs: [{name: %s}]
              validation_context_sds_secret_config: {name: %s}
        """.formatted(certSecret, caSecret);
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: up}
        """;
    String secrets = """
          secrets:
          - name: server
            tls_certificate: {certificate_chain: {inline_string: %s}, private_key: {inline_string: %s}}
          - name: ca
            validation_context: {trusted_ca: {inline_string: %s}}
          - name: token
            generic_secret: {secret: {inline_string: "hunter2-token"}}
        """.formatted(JSON.writeValueAsString(Files.readString(pki.serverCert())), JSON.writeValueAsString(Files.readString(pki.serverKey())),
        JSON.writeValueAsString(Files.readString(pki.caCert())));
    return Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("up", upstreamPort, null), Path.of("/dev/null"), transport)
        .replace("static_resources:\n", "static_resources:\n" + secrets.stripIndent());
  }

  @Test
  void aListenerServesMtlsWithStaticSecrets() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    TestPki.Leaf client = pki.issue("client2", "extendedKeyUsage=clientAuth\n");
    try (TestUpstream up = new TestUpstream("up"); Dataplane dp = Bootstraps.start(bootstrap(pki, up.port(), "server", "ca"))) {
      String url = "https://127.0.0.1:" + dp.port("ingress") + "/static";
      assertThat(Http.get(Http.mtls(pki.caCert(), client.cert(), client.key()), url).statusCode()).isEqualTo(200);
      assertThatThrownBy(() -> Http.get(Http.mtls(pki.caCert(), null, null), url)).isInstanceOf(IOException.class);
      String dump = Http.get(Http.h1(), "http://127.0.0.1:" + dp.adminPort() + "/config_dump").body();
      assertThat(dump).as("inline private keys are redacted in /config_dump").contains("\"[redacted]\"")
          .doesNotContain("PRIVATE KEY").contains("BEGIN CERTIFICATE");
      assertThat(dump).as("a generic secret is accepted and redacted too").contains("\"token\"").doesNotContain("hunter2-token");
    }
  }

  @Test
  void aMissingOrMisusedStaticSecretIsAStartupError() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    assertThatThrownBy(() -> Bootstraps.start(bootstrap(pki, 1, "nope", "ca"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress: static secret 'nope' (tls_certificate) is not in static_resources.secrets");
    assertThatThrownBy(() -> Bootstraps.start(bootstrap(pki, 1, "ca", "ca"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress: secret 'ca' is a validation_context, a tls_certificate is needed here");
  }
}
