package io.wasmplane.dataplane.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RBAC principals from the downstream mTLS client certificate, as Istio's AuthorizationPolicy "principals" become
 * {@code authenticated.principal_name} on the SPIFFE URI SAN: the HTTP filter on a TLS HCM listener (a URI SAN
 * allowed, another denied 403, a certificate without URI SAN matched on its subject) and the network filter on a TLS
 * TCP proxy listener (decided on the first decrypted bytes, after the handshake).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(90)
class RbacMtlsTest {
  @TempDir
  static Path dir;
  private TestPki pki;
  private TestPki.Leaf frontend;
  private TestPki.Leaf backend;
  private TestPki.Leaf legacy;
  private TestUpstream upstream;
  private TcpEchoServer echo;
  private Dataplane dp;

  private static final String TLS = """
      transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          require_client_certificate: true
          common_tls_context:
            alpn_protocols: [http/1.1]
            tls_certificates:
            - certificate_chain: {filename: %s}
              private_key: {filename: %s}
            validation_context:
              trusted_ca: {filename: %s}
      """;

  private static final String FRONTEND_ONLY = """
      action: ALLOW
      policies:
        "ns[default]-policy[frontend]-rule[0]":
          permissions: [{any: true}]
          principals:
          - authenticated: {principal_name: {exact: "spiffe://cluster.local/ns/default/sa/frontend"}}
        legacy-subject:
          permissions: [{any: true}]
          principals:
          - authenticated: {principal_name: {exact: "CN=legacy"}}
      """;

  @BeforeAll
  void start() throws Exception {
    pki = TestPki.generate(dir.resolve("pki"));
    String ext = "extendedKeyUsage=clientAuth\nsubjectAltName=URI:spiffe://cluster.local/ns/default/sa/%s\n";
    frontend = pki.issue("frontend", ext.formatted("frontend"));
    backend = pki.issue("backend", ext.formatted("backend"));
    legacy = pki.issue("legacy", "extendedKeyUsage=clientAuth\n");
    upstream = new TestUpstream("up");
    echo = new TcpEchoServer();
    String tls = TLS.formatted(pki.serverCert(), pki.serverKey(), pki.caCert());
    dp = Bootstraps.start("""
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
          - name: https
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - %1$s
              filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: inbound_https
                  route_config:
                    virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: up}}]}]
                  http_filters:
                  - name: envoy.filters.http.rbac
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                      rules:
        %2$s
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
          - name: tls_tcp
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - %1$s
              filters:
              - name: envoy.filters.network.rbac
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC
                  stat_prefix: tls_tcp
                  rules:
        %3$s
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: tls_tcp
                  cluster: echo
          clusters:
        %4$s
        %5$s
        """.formatted(Bootstraps.indent(tls, 6).stripLeading(), Bootstraps.indent(FRONTEND_ONLY, 18),
        Bootstraps.indent(FRONTEND_ONLY, 14), Bootstraps.staticCluster("up", upstream.port(), null),
        Bootstraps.staticCluster("echo", echo.port(), null)));
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    upstream.close();
    echo.close();
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  private HttpResponse<String> get(TestPki.Leaf client) throws Exception {
    return Http.get(Http.mtls(pki.caCert(), client.cert(), client.key()), "https://127.0.0.1:" + dp.port("https") + "/x");
  }

  @Test
  void theHttpFilterAllowsTheSpiffeIdOfThePolicyAndDeniesAnother() throws Exception {
    long allowed = counter("http.inbound_https.rbac.allowed");
    long denied = counter("http.inbound_https.rbac.denied");
    HttpResponse<String> ok = get(frontend);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("x-upstream-name")).contains("up");
    HttpResponse<String> no = get(backend);
    assertThat(no.statusCode()).isEqualTo(403);
    assertThat(no.body()).isEqualTo("RBAC: access denied");
    assertThat(counter("http.inbound_https.rbac.allowed")).isEqualTo(allowed + 1);
    assertThat(counter("http.inbound_https.rbac.denied")).isEqualTo(denied + 1);
  }

  @Test
  void withoutAUriSanThePrincipalNameIsMatchedOnTheSubject() throws Exception {
    assertThat(get(legacy).statusCode()).isEqualTo(200);
  }

  @Test
  void theNetworkFilterDecidesOnTheFirstDecryptedBytesByTheClientCertificate() throws Exception {
    assertThat(echoOverTls(frontend)).isEqualTo("hello\n");
    assertThat(counter("tls_tcp.rbac.allowed")).isEqualTo(1);
    assertThat(echoOverTls(backend)).isEqualTo("closed");
    assertThat(counter("tls_tcp.rbac.denied")).isEqualTo(1);
  }

  /** Sends a line over mTLS as {@code client}: the echoed line, or "closed" when the proxy closed the connection. */
  private String echoOverTls(TestPki.Leaf client) throws Exception {
    JdkSslContext ctx = (JdkSslContext) SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(pki.caCert().toFile())
        .keyManager(client.cert().toFile(), client.key().toFile()).build();
    try (SSLSocket s = (SSLSocket) ctx.context().getSocketFactory().createSocket("127.0.0.1", dp.port("tls_tcp"))) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      byte[] back = s.getInputStream().readNBytes(6);
      return back.length == 0 ? "closed" : new String(back, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "closed"; // a reset instead of a close_notify
    }
  }
}
