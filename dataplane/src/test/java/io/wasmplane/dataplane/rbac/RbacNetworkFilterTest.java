package io.wasmplane.dataplane.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.network.rbac before a tcp_proxy and before an HCM, through real sockets: an allowed connection is
 * proxied and counted under {@code <stat_prefix>.rbac.allowed}; a denied one is closed on its first bytes, which never
 * reach the upstream, and counted as denied (shadow rules beside it counted, not enforced); before an HCM a deny closes
 * the connection without a response, and a header rule never matches (a connection has no headers).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RbacNetworkFilterTest {
  private TcpEchoServer echo;
  private TestUpstream web;
  private Dataplane dp;
  private java.nio.file.Path tcpLog;

  private static String listener(String name, String rbac, String terminal) {
    return listener(name, rbac, terminal, "");
  }

  private static String listener(String name, String rbac, String terminal, String listenerExtra) {
    return Bootstraps.networkFilterListener(name, "envoy.filters.network.rbac",
        "envoy.extensions.filters.network.rbac.v3.RBAC", rbac, terminal, listenerExtra);
  }

  private static final String TCP_PROXY = Bootstraps.tcpProxyTo("echo");
  private static final String HCM = Bootstraps.HCM_TO_WEB;

  @BeforeAll
  void start() throws Exception {
    tcpLog = java.nio.file.Files.createTempFile("rbac-tcp", ".log");
    echo = new TcpEchoServer();
    web = new TestUpstream("web");
    String allowLoopback = """
        rules:
          action: ALLOW
          policies:
            loopback-clients:
              permissions: [{destination_port_range: {start: 1, end: 65536}}]
              principals: [{remote_ip: {address_prefix: 127.0.0.0, prefix_len: 8}}]
        """;
    String denyLoopback = """
        rules:
          action: DENY
          policies:
            deny-loopback:
              permissions: [{any: true}]
              principals: [{direct_remote_ip: {address_prefix: 127.0.0.1, prefix_len: 32}}]
        shadow_rules:
          action: ALLOW
          policies:
            only-10:
              permissions: [{any: true}]
              principals: [{source_ip: {address_prefix: 10.0.0.0, prefix_len: 8}}]
        """;
    String denyAll = """
        rules:
          action: DENY
          policies:
            everyone: {permissions: [{any: true}], principals: [{any: true}]}
        """;
    String denyByHeader = """
        rules:
          action: DENY
          policies:
            by-header:
              permissions: [{any: true}]
              principals: [{header: {name: x-evil, present_match: true}}]
        """;
    // Behind a PROXY protocol hop: remote_ip and destination_ip are the header's, direct_remote_ip the socket's peer.
    String proxiedClients = """
        rules:
          action: ALLOW
          policies:
            proxied-192.0.2:
              permissions: [{destination_ip: {address_prefix: 198.51.100.7, prefix_len: 32}}]
              principals:
              - and_ids:
                  ids:
                  - remote_ip: {address_prefix: 192.0.2.0, prefix_len: 24}
                  - direct_remote_ip: {address_prefix: 127.0.0.1, prefix_len: 32}
        """;
    String proxyProtocol = """
        listener_filters:
        - name: envoy.filters.listener.proxy_protocol
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol}
        """;
    dp = Bootstraps.start("""
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
        %s
        %s
        %s
        %s
        %s
        %s
          clusters:
        %s
        %s
        """.formatted(Bootstraps.indent(listener("tcp_allow", allowLoopback, TCP_PROXY), 2),
        Bootstraps.indent(listener("tcp_logged", denyAll, TCP_PROXY + """
                    access_log:
                    - name: envoy.access_loggers.file
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                        path: "%s"
                        log_format: {text_format: "%%CONNECTION_TERMINATION_DETAILS%% %%RESPONSE_FLAGS%%\\n"}
            """.formatted(tcpLog)), 2),
        Bootstraps.indent(listener("tcp_deny", denyLoopback, TCP_PROXY), 2),
        Bootstraps.indent(listener("http_deny", denyAll, HCM), 2),
        Bootstraps.indent(listener("http_header", denyByHeader, HCM), 2),
        Bootstraps.indent(listener("tcp_proxied", proxiedClients, TCP_PROXY, proxyProtocol), 2),
        Bootstraps.staticCluster("echo", echo.port(), null), Bootstraps.staticCluster("web", web.port(), null)));
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    echo.close();
    web.close();
    java.nio.file.Files.deleteIfExists(tcpLog);
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  /** Sends {@code data}; returns what came back until the proxy closed (at most {@code max} bytes), or "closed" if nothing. */
  private static String exchange(int port, String data, int max) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(data.getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      byte[] back = s.getInputStream().readNBytes(max);
      return back.length == 0 ? "closed" : new String(back, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "closed"; // reset
    }
  }

  private static String echoLine(int port) throws Exception {
    return exchange(port, "hello\n", 6);
  }

  @Test
  void anAllowedConnectionIsProxiedAndCounted() throws Exception {
    assertThat(echoLine(dp.port("tcp_allow"))).isEqualTo("hello\n");
    assertThat(counter("tcp_allow.rbac.allowed")).isEqualTo(1);
    assertThat(counter("tcp_allow.rbac.denied")).isZero();
    assertThat(counter("tcp.tcp_allow_proxy.downstream_cx_rx_bytes_total")).isEqualTo(6);
  }

  @Test
  void behindProxyProtocolRemoteAndDestinationIpAreTheHeadersAndDirectRemoteIpIsThePeer() throws Exception {
    int port = dp.port("tcp_proxied");
    assertThat(exchange(port, "PROXY TCP4 192.0.2.10 198.51.100.7 5555 80\r\nhello\n", 6)).isEqualTo("hello\n");
    assertThat(exchange(port, "PROXY TCP4 203.0.113.9 198.51.100.7 5555 80\r\nhello\n", 6)).isEqualTo("closed");
    assertThat(exchange(port, "PROXY TCP4 192.0.2.10 198.51.100.8 5555 80\r\nhello\n", 6)).isEqualTo("closed");
    assertThat(counter("tcp_proxied.rbac.allowed")).isEqualTo(1);
    assertThat(counter("tcp_proxied.rbac.denied")).isEqualTo(2);
  }

  @Test
  void aDeniedConnectionIsClosedOnItsFirstBytesAndShadowRulesAreOnlyCounted() throws Exception {
    assertThat(echoLine(dp.port("tcp_deny"))).isEqualTo("closed");
    assertThat(counter("tcp_deny.rbac.denied")).isEqualTo(1);
    assertThat(counter("tcp_deny.rbac.shadow_denied")).isEqualTo(1);
    assertThat(counter("tcp.tcp_deny_proxy.downstream_cx_rx_bytes_total")).isZero(); // no byte reached the proxy
  }

  /** Envoy records the denial as the connection's termination details, which tcp_proxy's access log shows. */
  @Test
  void aDeniedConnectionsAccessLogLineNamesTheMatchedPolicy() throws Exception {
    assertThat(echoLine(dp.port("tcp_logged"))).isEqualTo("closed");
    assertThat(io.wasmplane.dataplane.testing.AccessLogFiles.awaitLines(dp, tcpLog, 1))
        .containsExactly("rbac_access_denied_matched_policy[everyone] -");
  }

  @Test
  void beforeAnHcmADenyClosesTheConnectionWithoutAResponse() throws Exception {
    int requests = web.requests.get();
    assertThat(exchange(dp.port("http_deny"), "GET / HTTP/1.1\r\nHost: web\r\n\r\n", 4096)).isEqualTo("closed");
    assertThat(counter("http_deny.rbac.denied")).isEqualTo(1);
    assertThat(web.requests.get()).isEqualTo(requests);
  }

  @Test
  void aHeaderPrincipalNeverMatchesAConnection() throws Exception {
    assertThat(RawResponse.get(dp.port("http_header"), "web", "/", "x-evil: 1").status()).isEqualTo(200);
    assertThat(counter("http_header.rbac.allowed")).isEqualTo(1);
  }
}
