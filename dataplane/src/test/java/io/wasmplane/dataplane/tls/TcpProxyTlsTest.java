package io.wasmplane.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import io.wasmplane.dataplane.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** mTLS in front of the TCP proxy: the client's certificate facts reach the tcp_proxy access log once the connection closes. */
@Timeout(60)
class TcpProxyTlsTest {
  @TempDir
  Path dir;

  @Test
  void theTcpProxyAccessLogShowsThePeerCertificate() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    TestPki.Leaf client = pki.issue("tcp-client", "extendedKeyUsage=clientAuth\nsubjectAltName=URI:spiffe://cluster.local/ns/default/sa/tcp\n");
    Path log = dir.resolve("tcp.log");
    try (TcpEchoServer echo = new TcpEchoServer(); Dataplane dp = Bootstraps.start("""
        static_resources:
          listeners:
          - name: tcp
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - transport_socket:
                name: envoy.transport_sockets.tls
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                  require_client_certificate: true
                  common_tls_context:
                    tls_certificates: [{certificate_chain: {filename: %s}, private_key: {filename: %s}}]
                    validation_context: {trusted_ca: {filename: %s}}
              filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: tcp
                  cluster: echo
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: "%s"
                      log_format: {text_format: "%%DOWNSTREAM_PEER_URI_SAN%% %%DOWNSTREAM_PEER_SUBJECT%% %%DOWNSTREAM_TLS_VERSION%% %%BYTES_RECEIVED%%\\n"}
          clusters:
        %s
        """.formatted(pki.serverCert(), pki.serverKey(), pki.caCert(), log, Bootstraps.staticCluster("echo", echo.port(), null)))) {
      JdkSslContext ctx = (JdkSslContext) SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(pki.caCert().toFile())
          .keyManager(client.cert().toFile(), client.key().toFile()).build();
      try (SSLSocket s = (SSLSocket) ctx.context().getSocketFactory().createSocket("127.0.0.1", dp.port("tcp"))) {
        s.setSoTimeout(5000);
        s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        byte[] back = s.getInputStream().readNBytes(6);
        assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo("hello\n");
      }
      List<String> lines = List.of();
      for (int i = 0; i < 250 && lines.isEmpty(); i++) {
        dp.server().flushAccessLogs();
        lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        Thread.sleep(20);
      }
      assertThat(lines).containsExactly("spiffe://cluster.local/ns/default/sa/tcp CN=tcp-client TLSv1.3 6");
    }
  }
}
