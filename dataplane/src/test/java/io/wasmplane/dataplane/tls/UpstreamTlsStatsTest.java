package io.wasmplane.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.MtlsUpstream;
import io.wasmplane.dataplane.testing.TestPki;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream TLS handshakes are counted under Envoy's {@code cluster.<name>.ssl.*}: a good upstream certificate in
 * {@code ssl.handshake}; one from another CA in {@code ssl.connection_error} and {@code ssl.fail_verify_error}; one whose
 * SAN does not match in {@code ssl.fail_verify_san}. The failing clusters answer 503 (a connection failure, as Envoy).
 */
@Timeout(60)
class UpstreamTlsStatsTest {
  @TempDir
  Path dir;

  private static String cluster(String name, int port, TestPki clientPki, Path ca, String validationExtra) {
    return cluster(name, port, clientPki, ca, validationExtra, "");
  }

  private static String cluster(String name, int port, TestPki clientPki, Path ca, String validationExtra, String extra) {
    String tls = extra + """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
            common_tls_context:
              tls_certificates: [{certificate_chain: {filename: %s}, private_key: {filename: %s}}]
              validation_context: {trusted_ca: {filename: %s}%s}
        """.formatted(clientPki.clientCert(), clientPki.clientKey(), ca, validationExtra);
    return Bootstraps.staticCluster(name, port, tls);
  }

  @Test
  void upstreamHandshakesAreCountedPerCluster() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    TestPki other = TestPki.generate(dir.resolve("other"));
    try (MtlsUpstream up = new MtlsUpstream(pki)) {
      String routes = """
          - name: all
            domains: ["*"]
            routes:
            - match: {prefix: "/good"}
              route: {cluster: good}
            - match: {prefix: "/wrong_ca"}
              route: {cluster: wrong_ca}
            - match: {prefix: "/bad_san"}
              route: {cluster: bad_san}
            - match: {prefix: "/h2_wrong_ca"}
              route: {cluster: h2_wrong_ca}
          """;
      String clusters = cluster("good", up.port(), pki, pki.caCert(), "") + cluster("wrong_ca", up.port(), pki, other.caCert(), "")
          + cluster("bad_san", up.port(), pki, pki.caCert(), ", match_typed_subject_alt_names: [{san_type: DNS, matcher: {exact: other.test}}]")
          + cluster("h2_wrong_ca", up.port(), pki, other.caCert(), "", "http2_protocol_options: {}\n");
      try (Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(routes, null, clusters, Path.of("/dev/null"), null))) {
        String base = "http://127.0.0.1:" + dp.port("ingress");
        assertThat(Http.get(Http.h1(), base + "/good").statusCode()).isEqualTo(200);
        var wrongCa = Http.get(Http.h1(), base + "/wrong_ca");
        assertThat(wrongCa.statusCode()).isEqualTo(503);
        assertThat(wrongCa.body()).as("a failed handshake is a connection failure, as Envoy")
            .contains("reset reason: connection failure, transport failure reason: TLS_error");
        assertThat(Http.get(Http.h1(), base + "/bad_san").statusCode()).isEqualTo(503);
        var h2WrongCa = Http.get(Http.h1(), base + "/h2_wrong_ca");
        assertThat(h2WrongCa.statusCode()).isEqualTo(503);
        assertThat(h2WrongCa.body()).as("the same over an HTTP/2 upstream, whose streams open before the handshake ends")
            .contains("reset reason: connection failure, transport failure reason: TLS_error");

        assertThat(counter(dp, "cluster.good.ssl.handshake")).isGreaterThanOrEqualTo(1);
        assertThat(counter(dp, "cluster.good.ssl.connection_error")).isZero();
        assertThat(counter(dp, "cluster.wrong_ca.ssl.handshake")).isZero();
        assertThat(counter(dp, "cluster.wrong_ca.ssl.connection_error")).isGreaterThanOrEqualTo(1);
        assertThat(counter(dp, "cluster.wrong_ca.ssl.fail_verify_error")).isGreaterThanOrEqualTo(1);
        assertThat(counter(dp, "cluster.bad_san.ssl.fail_verify_san")).isGreaterThanOrEqualTo(1);
        assertThat(counter(dp, "cluster.bad_san.ssl.fail_verify_error")).isZero();
        String stats = Http.get(Http.h1(), "http://127.0.0.1:" + dp.adminPort() + "/stats").body();
        assertThat(stats).contains("cluster.wrong_ca.ssl.fail_verify_error: ");
      }
    }
  }

  private static long counter(Dataplane dp, String name) {
    return dp.server().stats().snapshot().counter(name);
  }
}
