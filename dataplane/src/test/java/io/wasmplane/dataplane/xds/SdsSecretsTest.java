package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.MtlsUpstream;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.TestPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SDS through our control-plane-stub over real gRPC (SotW and delta ADS): an mTLS listener whose server certificate
 * ({@code tls_certificate_sds_secret_configs}) and trusted CA ({@code combined_validation_context}, SAN matcher in the
 * default context) come as secrets. A rotated certificate is served to new connections while a connection opened
 * before keeps its own; a secret whose key does not match its certificate is NACKed with the cause and the last good
 * certificate keeps serving. The cluster's UpstreamTlsContext takes its client certificate and CA from the same
 * secrets (as Istio's sidecars do) towards an upstream that requires mTLS, and follows the rotation too.
 */
@Timeout(120)
class SdsSecretsTest {
  @TempDir
  Path dir;

  private static final ObjectMapper JSON = new ObjectMapper();

  private String rollout(int listenerPort, int upstreamPort, TestPki pki, Path cert, Path key) throws Exception {
    return """
        listeners:
          - name: l1
            address: { socketAddress: { address: 127.0.0.1, portValue: %d } }
            filterChains:
              - transportSocket:
                  name: envoy.transport_sockets.tls
                  typedConfig:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                    requireClientCertificate: true
                    commonTlsContext:
                      tlsCertificateSdsSecretConfigs: [{ name: default, sdsConfig: { ads: {}, resourceApiVersion: V3 } }]
                      combinedValidationContext:
                        defaultValidationContext:
                          matchTypedSubjectAltNames: [{ sanType: URI, matcher: { prefix: "spiffe://cluster.local/ns/default/" } }]
                        validationContextSdsSecretConfig: { name: ROOTCA, sdsConfig: { ads: {}, resourceApiVersion: V3 } }
                filters:
                  - name: envoy.filters.network.http_connection_manager
                    typedConfig:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      statPrefix: ingress
                      routeConfig:
                        virtualHosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: / }, route: { cluster: c1 } }] }]
                      httpFilters:
                        - name: envoy.filters.http.router
                          typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        clusters:
          - name: c1
            type: STATIC
            connectTimeout: 1s
            transportSocket:
              name: envoy.transport_sockets.tls
              typedConfig:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                sni: xds.test
                commonTlsContext:
                  tlsCertificateSdsSecretConfigs: [{ name: default, sdsConfig: { ads: {}, resourceApiVersion: V3 } }]
                  combinedValidationContext:
                    defaultValidationContext:
                      matchTypedSubjectAltNames: [{ sanType: DNS, matcher: { exact: xds.test } }]
                    validationContextSdsSecretConfig: { name: ROOTCA, sdsConfig: { ads: {}, resourceApiVersion: V3 } }
            loadAssignment:
              clusterName: c1
              endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 127.0.0.1, portValue: %d } } } }] }]
        secrets:
          - name: default
            tlsCertificate: { certificateChain: { inlineString: %s }, privateKey: { inlineString: %s } }
          - name: ROOTCA
            validationContext: { trustedCa: { inlineString: %s } }
        """.formatted(listenerPort, upstreamPort, pem(cert), pem(key), pem(pki.caCert()));
  }

  private static String pem(Path p) throws Exception {
    return JSON.writeValueAsString(Files.readString(p));
  }

  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void secretsOverAdsRotateForNewConnectionsAndABadOneIsNacked(String apiType) throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    TestPki.Leaf client = pki.issue("frontend", "extendedKeyUsage=clientAuth\nsubjectAltName=URI:spiffe://cluster.local/ns/default/sa/frontend\n");
    TestPki.Leaf server2 = pki.issue("server2", "subjectAltName=DNS:xds.test,IP:127.0.0.1\n");
    int port = Ports.freePort();
    Path file = dir.resolve("rollout.yaml");
    HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (MtlsUpstream up = new MtlsUpstream(pki)) {
      Files.writeString(file, rollout(port, up.port(), pki, pki.serverCert(), pki.serverKey()));
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, 0, 0));
          Dataplane dp = Resources.startDataplane("dp-1", stub.xdsPort(), apiType)) {
        String url = "https://127.0.0.1:" + port + "/sds";
        String first = serial(pki.serverCert());
        await("the listener serves mTLS with the SDS certificate", () -> first.equals(servedSerial(pki, client, url, null)));
        HttpClient kept = Http.mtls(pki.caCert(), client.cert(), client.key());
        assertThat(servedSerial(pki, client, url, kept)).isEqualTo(first);
        HttpResponse<String> through = kept.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(through.body()).as("the cluster presents the SDS certificate to its mTLS upstream").isEqualTo("mtls upstream saw CN=xds.test");

        Files.writeString(file, rollout(port, up.port(), pki, server2.cert(), server2.key()));
        String second = serial(server2.cert());
        await("a new connection gets the rotated certificate", () -> second.equals(servedSerial(pki, client, url, null)));
        assertThat(servedSerial(pki, client, url, kept)).as("the connection opened before keeps its certificate").isEqualTo(first);
        await("the cluster's new upstream connections present the rotated certificate", () -> upstreamSaw(pki, client, url).equals("CN=server2"));

        Files.writeString(file, rollout(port, up.port(), pki, server2.cert(), pki.serverKey()));
        await("the mismatched key is NACKed", () -> status(plain, stub).contains("private key does not match the certificate"));
        assertThat(status(plain, stub)).contains("sds 'default'");
        for (int i = 0; i < 3; i++) {
          assertThat(servedSerial(pki, client, url, null)).as("the last good certificate keeps serving").isEqualTo(second);
        }
        String dump = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.adminPort() + "/config_dump")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(dump).contains("\"dynamic_active_secrets\"", "\"name\": \"ROOTCA\"", "\"[redacted]\"",
            "the private key does not match").doesNotContain("PRIVATE KEY");
      }
    }
  }

  /** The serial of the certificate the listener presented (null when the request failed); a new connection unless {@code c}. */
  private static String servedSerial(TestPki pki, TestPki.Leaf client, String url, HttpClient c) {
    try {
      HttpClient http = c != null ? c : Http.mtls(pki.caCert(), client.cert(), client.key());
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return null;
      }
      return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber().toString(16);
    } catch (Exception e) {
      return null;
    }
  }

  /** Whose client certificate the upstream saw, through a new downstream connection. */
  private static String upstreamSaw(TestPki pki, TestPki.Leaf client, String url) {
    try {
      HttpResponse<String> r = Http.mtls(pki.caCert(), client.cert(), client.key()).send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.body().replace("mtls upstream saw ", "");
    } catch (Exception e) {
      return "";
    }
  }

  private static String serial(Path cert) throws Exception {
    try (var in = Files.newInputStream(cert)) {
      return ((X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in)).getSerialNumber().toString(16);
    }
  }

  private static String status(HttpClient http, ControlPlane stub) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stub.httpPort() + "/status")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }
}
