package io.wasmplane.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.MtlsUpstream;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's auto-mTLS: a STATIC cluster's transport_socket_matches pick each host's transport socket by its
 * envoy.transport_socket_match metadata. The tlsMode: istio host is an mTLS upstream (which refuses plaintext), the
 * other a plaintext one (which cannot speak TLS); both answer through the proxy.
 */
@Timeout(60)
class TransportSocketMatchTest {
  @TempDir
  Path dir;

  private final HttpClient client = Http.h1();

  /** The mTLS socket Istio's tlsMode-istio match uses: the PKI's client certificate, the upstream verified by its CA. */
  static String istioMtls(TestPki pki) {
    return """
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
          common_tls_context:
            tls_certificates: [{certificate_chain: {filename: %s}, private_key: {filename: %s}}]
            validation_context: {trusted_ca: {filename: %s}}
        """.formatted(pki.clientCert(), pki.clientKey(), pki.caCert());
  }

  /** Istio's two matches: tlsMode-istio (over {@code istioSocket}) and tlsMode-disabled (raw_buffer). */
  static String istioMatches(String istioSocket) {
    return """
        transport_socket_matches:
        - name: tlsMode-istio
          match: {tlsMode: istio}
          transport_socket:
        %s
        - name: tlsMode-disabled
          match: {}
          transport_socket:
            name: envoy.transport_sockets.raw_buffer
            typed_config: {"@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer}
        """.formatted(Bootstraps.indent(istioSocket, 4));
  }

  private static String bootstrap(String istioSocket, int tlsPort, int plainPort) {
    String cluster = """
          - name: mixed
            connect_timeout: 1s
            type: STATIC
        %s
            load_assignment:
              cluster_name: mixed
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
                  metadata: {filter_metadata: {envoy.transport_socket_match: {tlsMode: istio}, istio: {workload: reviews}}}
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(Bootstraps.indent(istioMatches(istioSocket), 4), tlsPort, plainPort);
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: mixed}
        """;
    return Bootstraps.bootstrap(routes, null, cluster, Path.of("/dev/null"), null);
  }

  @Test
  void eachHostGetsTheTransportSocketOfItsFirstMatch() throws Exception {
    TestPki pki = TestPki.generate(dir);
    try (MtlsUpstream tls = new MtlsUpstream(pki); TestUpstream plain = new TestUpstream("plain");
        Dataplane dp = Bootstraps.start(bootstrap(istioMtls(pki), tls.port(), plain.port()))) {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 6; i++) { // round robin over the two hosts
        var r = Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/r" + i);
        assertThat(r.statusCode()).isEqualTo(200);
        seen.add(r.body().startsWith("mtls upstream saw") ? r.body() : r.headers().firstValue("x-upstream-name").orElse("?"));
      }
      assertThat(seen).containsExactlyInAnyOrder("mtls upstream saw CN=dataplane", "plain");
      assertThat(plain.requests.get()).isEqualTo(3);
    }
  }

  @Test
  void localityMetadataCountsWhenNoMatchFitsTheEndpoint() throws Exception {
    TestPki pki = TestPki.generate(dir);
    try (MtlsUpstream tls = new MtlsUpstream(pki)) {
      // Only the tlsMode-istio match (no catch-all); the endpoint has no labels, its locality has tlsMode: istio.
      String cluster = """
            - name: by_locality
              connect_timeout: 1s
              type: STATIC
              transport_socket_matches:
              - name: tlsMode-istio
                match: {tlsMode: istio}
                transport_socket:
          %s
              load_assignment:
                cluster_name: by_locality
                endpoints:
                - metadata: {filter_metadata: {envoy.transport_socket_match: {tlsMode: istio}}}
                  lb_endpoints:
                  - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
          """.formatted(Bootstraps.indent(istioMtls(pki), 8), tls.port());
      String routes = """
          - name: all
            domains: ["*"]
            routes:
            - match: {prefix: "/"}
              route: {cluster: by_locality}
          """;
      try (Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(routes, null, cluster, Path.of("/dev/null"), null))) {
        var r = Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("mtls upstream saw CN=dataplane");
      }
    }
  }

  @Test
  void aMatchWithAnUnknownTransportSocketIsRefusedNamingIt() {
    assertThatThrownBy(() -> BootstrapTranslator.translate(
        BootstrapLoader.fromText(bootstrap("name: envoy.transport_sockets.alts", 1, 2), "test"), Optional.empty(), Optional.empty()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster mixed.transport_socket_matches[0](tlsMode-istio).transport_socket")
        .hasMessageContaining("unsupported transport socket 'envoy.transport_sockets.alts'");
  }
}
