package io.wasmplane.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HCM's x-forwarded-client-cert handling through real TLS: SANITIZE (the default) drops a client's header;
 * APPEND_FORWARD with set_current_client_cert_details appends this hop's element (By = our URI SAN, Hash, Cert,
 * Subject, URI) for an mTLS client and drops the header of a client without a certificate.
 */
@Timeout(60)
class ForwardedClientCertTest {
  @TempDir
  Path dir;

  private static String bootstrap(TestPki pki, TestPki.Leaf server, int upstreamPort, String xfcc) {
    String transport = """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
            common_tls_context:
              tls_certificates: [{certificate_chain: {filename: %s}, private_key: {filename: %s}}]
              validation_context: {trusted_ca: {filename: %s}}
        """.formatted(server.cert(), server.key(), pki.caCert());
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: up}
        """;
    return Bootstraps.bootstrap(routes, xfcc, Bootstraps.staticCluster("up", upstreamPort, null), Path.of("/dev/null"), transport);
  }

  private static String upstreamSaw(HttpClient c, String url, String xfcc) throws Exception {
    HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(url)).header("x-forwarded-client-cert", xfcc).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body().lines().filter(l -> l.startsWith("x-forwarded-client-cert: ")).findFirst()
        .map(l -> l.substring("x-forwarded-client-cert: ".length())).orElse(null);
  }

  @Test
  void appendForwardAddsThisHopForMtlsClientsAndDropsTheHeaderOfOthers() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    TestPki.Leaf server = pki.issue("ingress", "subjectAltName=DNS:xds.test,IP:127.0.0.1,URI:spiffe://cluster.local/ns/default/sa/ingress\n");
    TestPki.Leaf client = pki.issue("frontend", "extendedKeyUsage=clientAuth\nsubjectAltName=URI:spiffe://cluster.local/ns/default/sa/frontend\n");
    String xfcc = """
        forward_client_cert_details: APPEND_FORWARD
        set_current_client_cert_details: {subject: true, uri: true, cert: true}
        """;
    try (TestUpstream up = new TestUpstream("up"); Dataplane dp = Bootstraps.start(bootstrap(pki, server, up.port(), xfcc))) {
      String url = "https://127.0.0.1:" + dp.port("ingress") + "/xfcc";
      String seen = upstreamSaw(Http.mtls(pki.caCert(), client.cert(), client.key()), url, "By=spiffe://edge;Hash=00");
      byte[] der = CertificateFactory.getInstance("X.509").generateCertificate(Files.newInputStream(client.cert())).getEncoded();
      String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
      assertThat(seen).startsWith("By=spiffe://edge;Hash=00,By=spiffe://cluster.local/ns/default/sa/ingress;Hash=" + hash
          + ";Cert=\"-----BEGIN%20CERTIFICATE-----%0A").endsWith("-----END%20CERTIFICATE-----%0A\";Subject=\"CN=frontend\";"
          + "URI=spiffe://cluster.local/ns/default/sa/frontend");
      assertThat(upstreamSaw(Http.mtls(pki.caCert(), null, null), url, "By=spoofed")).as("no client certificate: removed").isNull();
    }
  }

  @Test
  void sanitizeIsTheDefault() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    TestPki.Leaf server = pki.issue("ingress", "subjectAltName=DNS:xds.test,IP:127.0.0.1\n");
    TestPki.Leaf client = pki.issue("frontend", "extendedKeyUsage=clientAuth\n");
    try (TestUpstream up = new TestUpstream("up"); Dataplane dp = Bootstraps.start(bootstrap(pki, server, up.port(), null))) {
      String url = "https://127.0.0.1:" + dp.port("ingress") + "/xfcc";
      assertThat(upstreamSaw(Http.mtls(pki.caCert(), client.cert(), client.key()), url, "By=spoofed")).isNull();
    }
  }
}
