package io.wasmplane.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TestUpstream;
import io.wasmplane.dataplane.wasm.WasmTestSupport;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downstream mTLS as Istio configures it (require_client_certificate, trusted CA, a SPIFFE URI SAN prefix matcher),
 * through real TLS sockets: a good client is served and its certificate facts reach a Wasm plugin
 * ({@code connection.*} properties, dp_tls_props.wat) and the access log ({@code %DOWNSTREAM_PEER_*%}); no
 * certificate, another CA and a SAN mismatch fail the handshake, each counted under Envoy's {@code ssl.*} name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(90)
class DownstreamMtlsTest {
  @TempDir
  static Path dir;
  private TestPki pki;
  private TestPki.Leaf frontend;
  private TestPki.Leaf evil;
  private TestPki.Leaf foreign;
  private TestUpstream upstream;
  private Dataplane dp;
  private Path log;
  private String scope;

  @BeforeAll
  void start() throws Exception {
    pki = TestPki.generate(dir.resolve("pki"));
    String clientExt = "extendedKeyUsage=clientAuth\nsubjectAltName=URI:spiffe://cluster.local/ns/%s/sa/%s\n";
    frontend = pki.issue("frontend", clientExt.formatted("default", "frontend"));
    evil = pki.issue("evil", clientExt.formatted("other", "evil"));
    foreign = TestPki.generate(dir.resolve("other")).issue("frontend", clientExt.formatted("default", "frontend"));
    upstream = new TestUpstream("up");
    log = dir.resolve("access.log");
    String transport = """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
            require_client_certificate: true
            common_tls_context:
              alpn_protocols: [http/1.1]
              tls_params: {tls_minimum_protocol_version: TLSv1_2, tls_maximum_protocol_version: TLSv1_3}
              tls_certificates:
              - certificate_chain: {filename: %s}
                private_key: {filename: %s}
              validation_context:
                trusted_ca: {filename: %s}
                match_typed_subject_alt_names:
                - san_type: URI
                  matcher: {prefix: "spiffe://cluster.local/ns/default/"}
        """.formatted(pki.serverCert(), pki.serverKey(), pki.caCert());
    dp = Bootstraps.start(bootstrap(transport));
    scope = "listener.127.0.0.1_" + dp.port("ingress") + ".ssl.";
  }

  private String bootstrap(String transport) throws Exception {
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: up}
        """;
    String accessLog = log + "\n" + " ".repeat(14) + "log_format: {text_format: \"%DOWNSTREAM_PEER_URI_SAN% %DOWNSTREAM_PEER_SUBJECT% "
        + "%DOWNSTREAM_TLS_VERSION% %DOWNSTREAM_LOCAL_URI_SAN% %DOWNSTREAM_LOCAL_SUBJECT% %REQ(:PATH)%\\n\"}";
    String filter = """
          - name: envoy.filters.http.wasm
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: tls_props
                vm_config: {vm_id: tls_props, runtime: envoy.wasm.runtime.v8, code: {local: {filename: %s}}}
        """.formatted(WasmTestSupport.wat("dp_tls_props"));
    return Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("up", upstream.port(), null), Path.of(accessLog), transport)
        .replace("          http_filters:\n", "          http_filters:\n" + Bootstraps.indent(filter, 8) + "\n");
  }

  @AfterAll
  void stop() {
    if (dp != null) {
      dp.close();
    }
    upstream.close();
  }

  private String url(String path) {
    return "https://127.0.0.1:" + dp.port("ingress") + path;
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter(scope + name);
  }

  @Test
  void aTrustedClientWithAMatchingSanIsServedAndItsCertificateFactsReachPluginAndAccessLog() throws Exception {
    long handshakes = counter("handshake");
    HttpResponse<String> r = Http.get(Http.mtls(pki.caCert(), frontend.cert(), frontend.key()), url("/hello"));
    assertThat(r.statusCode()).isEqualTo(200);
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
        CertificateFactory.getInstance("X.509").generateCertificate(Files.newInputStream(frontend.cert())).getEncoded()));
    assertThat(r.body()).contains("x-mtls: 1\n", "x-peer-uri: spiffe://cluster.local/ns/default/sa/frontend\n",
        "x-peer-subject: CN=frontend\n", "x-tls-version: TLSv1.3\n", "x-peer-sha256: " + sha256 + "\n",
        "x-local-dns: xds.test\n", "x-local-subject: CN=xds.test\n");
    assertThat(counter("handshake")).isEqualTo(handshakes + 1);
    // the stream is logged just after its last byte went out: the client may read the response first
    String line = "spiffe://cluster.local/ns/default/sa/frontend CN=frontend TLSv1.3 - CN=xds.test /hello\n";
    Await.until("the access log line of /hello", () -> {
      dp.server().flushAccessLogs();
      return Files.readString(log).contains(line);
    });
  }

  @Test
  void aClientWithoutCertificateFailsTheHandshake() throws Exception {
    long noCert = counter("fail_verify_no_cert");
    long errors = counter("connection_error");
    assertThatThrownBy(() -> Http.get(Http.mtls(pki.caCert(), null, null), url("/none"))).isInstanceOf(IOException.class);
    awaitCounter("fail_verify_no_cert", noCert + 1);
    assertThat(counter("connection_error")).isGreaterThan(errors);
  }

  @Test
  void aCertificateFromAnotherCaFailsVerification() throws Exception {
    long before = counter("fail_verify_error");
    assertThatThrownBy(() -> Http.get(Http.mtls(pki.caCert(), foreign.cert(), foreign.key()), url("/foreign"))).isInstanceOf(IOException.class);
    awaitCounter("fail_verify_error", before + 1);
  }

  @Test
  void aTrustedCertificateWhoseSanDoesNotMatchIsRefused() throws Exception {
    long before = counter("fail_verify_san");
    assertThatThrownBy(() -> Http.get(Http.mtls(pki.caCert(), evil.cert(), evil.key()), url("/evil"))).isInstanceOf(IOException.class);
    awaitCounter("fail_verify_san", before + 1);
    assertThat(upstream.requests.get()).isLessThanOrEqualTo(1); // only the trusted client's request ever reached it
  }

  @Test
  void aKeyThatDoesNotMatchItsCertificateIsAStartupErrorNamingTheField() throws Exception {
    String transport = """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
            common_tls_context:
              tls_certificates:
              - certificate_chain: {filename: %s}
                private_key: {filename: %s}
        """.formatted(pki.serverCert(), frontend.key());
    assertThatThrownBy(() -> Bootstraps.start(bootstrap(transport))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress.filter_chains[0].transport_socket.typed_config.common_tls_context.tls_certificates[0]")
        .hasMessageContaining("private key does not match the certificate");
  }

  /** The server counts after its side of the handshake ended, which may be just after the client gave up. */
  private void awaitCounter(String name, long atLeast) throws Exception {
    Await.until(scope + name + " >= " + atLeast, () -> counter(name) >= atLeast);
  }
}
