package io.wasmplane.dataplane.sockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.config.SocketOptionSpec;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cluster's upstream_connection_options.tcp_keepalive and a listener's socket_options reach the proxy's real sockets
 * (seen in Linux's /proc/net/tcp: the keepalive timer runs, due within the configured idle time), and options we cannot
 * set are refused naming the field, level and name.
 */
@Timeout(60)
class SocketOptionsTest {

  private static String bootstrap(String listenerExtra, int echoPort, String clusterExtra) {
    return """
        static_resources:
          listeners:
          - name: tcp
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        %s
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: tcp
                  cluster: echo
          clusters:
        %s
        """.formatted(Bootstraps.indent(listenerExtra, 4), Bootstraps.staticCluster("echo", echoPort, clusterExtra));
  }

  @Test
  void keepaliveIsOnForTheUpstreamAndDownstreamSocketsThatAskedForIt() throws Exception {
    assumeTrue(Files.isReadable(ProcNetTcp.FILE), "needs Linux /proc/net/tcp");
    String listenerOptions = """
        socket_options:
        - {description: keepalive, level: 1, name: 9, int_value: 1}
        - {level: 6, name: 4, int_value: 5, state: STATE_LISTENING}
        - {level: 6, name: 1, int_value: 1}
        """;
    String keepalive = """
        upstream_connection_options:
          tcp_keepalive: {keepalive_time: 7, keepalive_interval: 3, keepalive_probes: 2}
        """;
    try (TcpEchoServer echo = new TcpEchoServer(); Dataplane dp = Bootstraps.start(bootstrap(listenerOptions, echo.port(), keepalive));
        Socket client = new Socket()) {
      int proxyPort = dp.port("tcp");
      client.connect(new InetSocketAddress("127.0.0.1", proxyPort), 2000);
      client.setSoTimeout(5000);
      client.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
      byte[] echoed = client.getInputStream().readNBytes(5);
      assertThat(new String(echoed, StandardCharsets.UTF_8)).isEqualTo("ping\n");

      // The proxy's downstream socket: local port the listener's, remote the client's. Idle 5 s: first probe in <= 500 ticks.
      ProcNetTcp.Timer down = awaitKeepalive(proxyPort, client.getLocalPort(), -1);
      assertThat(down.whenTicks()).isBetween(1L, 500L);
      // The proxy's upstream socket: remote port the echo server's. Idle 7 s.
      ProcNetTcp.Timer up = awaitKeepalive(-1, echo.port(), proxyPort);
      assertThat(up.whenTicks()).isBetween(1L, 700L);
      // The client's own socket asked for nothing: no keepalive timer runs there.
      assertThat(ProcNetTcp.established(client.getLocalPort(), proxyPort)).map(ProcNetTcp.Timer::timer).hasValue(0);
    }
  }

  @Test
  void keepaliveIsOnForTheRoutersPooledUpstreamConnection(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    assumeTrue(Files.isReadable(ProcNetTcp.FILE), "needs Linux /proc/net/tcp");
    String routes = """
        - name: all
          domains: ["*"]
          routes: [{match: {prefix: "/"}, route: {cluster: up}}]
        """;
    try (TestUpstream up = new TestUpstream("up"); Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(routes, null,
        Bootstraps.staticCluster("up", up.port(), "upstream_connection_options: {tcp_keepalive: {keepalive_time: 9}}"),
        dir.resolve("access.log"), null))) {
      var client = java.net.http.HttpClient.newHttpClient();
      assertThat(Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/x").statusCode()).isEqualTo(200);
      // The router's upstream connection stays pooled after the response: its keepalive is due within 9 s.
      ProcNetTcp.Timer pooled = awaitKeepalive(-1, up.port(), -1);
      assertThat(pooled.whenTicks()).isBetween(1L, 900L);
    }
  }

  @Test
  void keepaliveIsOnForTheHealthCheckConnection(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    assumeTrue(Files.isReadable(ProcNetTcp.FILE), "needs Linux /proc/net/tcp");
    String routes = """
        - name: all
          domains: ["*"]
          routes: [{match: {prefix: "/"}, direct_response: {status: 200}}]
        """;
    String cluster = """
        upstream_connection_options: {tcp_keepalive: {keepalive_time: 9}}
        health_checks:
        - {timeout: 1s, interval: 30s, unhealthy_threshold: 2, healthy_threshold: 1, http_health_check: {path: /healthz}}
        """;
    // No requests: the only connection to the upstream is the health checker's, kept between checks.
    try (TestUpstream up = new TestUpstream("up"); Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(routes, null,
        Bootstraps.staticCluster("up", up.port(), cluster), dir.resolve("access.log"), null))) {
      ProcNetTcp.Timer checker = awaitKeepalive(-1, up.port(), -1);
      assertThat(checker.whenTicks()).isBetween(1L, 900L);
    }
  }

  @Test
  void withoutOptionsNoKeepaliveRunsOnTheProxysSockets() throws Exception {
    assumeTrue(Files.isReadable(ProcNetTcp.FILE), "needs Linux /proc/net/tcp");
    try (TcpEchoServer echo = new TcpEchoServer(); Dataplane dp = Bootstraps.start(bootstrap("", echo.port(), null));
        Socket client = new Socket()) {
      int proxyPort = dp.port("tcp");
      client.connect(new InetSocketAddress("127.0.0.1", proxyPort), 2000);
      client.setSoTimeout(5000);
      client.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
      assertThat(client.getInputStream().readNBytes(5)).hasSize(5);
      Optional<ProcNetTcp.Timer> down = ProcNetTcp.established(proxyPort, client.getLocalPort());
      assertThat(down).isPresent();
      assertThat(down.get().timer()).isNotEqualTo(2);
    }
  }

  /**
   * Polls (bounded) until the established socket with {@code localPort} (or any local port but {@code notLocal} when -1)
   * and {@code remotePort} runs its keepalive timer.
   */
  private static ProcNetTcp.Timer awaitKeepalive(int localPort, int remotePort, int notLocal) throws Exception {
    ProcNetTcp.Timer last = null;
    for (int i = 0; i < 40; i++) {
      last = localPort >= 0 ? ProcNetTcp.established(localPort, remotePort).orElse(null) : upstreamSocket(remotePort, notLocal);
      if (last != null && last.timer() == 2) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no keepalive timer on the socket to port " + remotePort + ": " + last);
  }

  private static ProcNetTcp.Timer upstreamSocket(int remotePort, int notLocal) throws Exception {
    for (String line : ProcNetTcp.lines()) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 6 || !f[3].equals("01")) {
        continue;
      }
      int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
      int remote = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
      if (remote == remotePort && local != notLocal) {
        return ProcNetTcp.established(local, remote).orElse(null);
      }
    }
    return null;
  }

  @Test
  void anUpdateThatChangesABoundListenersOptionsIsRefusedAndTheListenerKeepsServing() throws Exception {
    String options = "socket_options: [{level: 1, name: 9, int_value: 1}]";
    try (TcpEchoServer echo = new TcpEchoServer(); Dataplane dp = Bootstraps.start(bootstrap(options, echo.port(), null))) {
      var next = BootstrapTranslator.translate(BootstrapLoader.fromText(
          bootstrap("socket_options: [{level: 1, name: 9, int_value: 0}]", echo.port(), null), "test"), Optional.empty(),
          Optional.empty()).listeners().get(0);
      assertThatThrownBy(() -> dp.server().updateListener(next))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("listener tcp.socket_options: cannot change on a bound listener");
      try (Socket client = new Socket()) {
        client.connect(new InetSocketAddress("127.0.0.1", dp.port("tcp")), 2000);
        client.setSoTimeout(5000);
        client.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(client.getInputStream().readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("ping\n");
      }
    }
  }

  private static DataplaneConfig translate(String listenerExtra, String clusterExtra) {
    return BootstrapTranslator.translate(BootstrapLoader.fromText(bootstrap(listenerExtra, 9, clusterExtra), "test"),
        Optional.empty(), Optional.empty());
  }

  @Test
  void optionsTranslateIntoRecords() {
    DataplaneConfig c = translate("""
        socket_options:
        - {level: 1, name: 2, int_value: 1, state: STATE_PREBIND}
        - {level: 1, name: 8, int_value: 65536, state: STATE_BOUND}
        """, """
        upstream_bind_config:
          socket_options: [{level: 1, name: 7, int_value: 32768}]
        upstream_connection_options:
          tcp_keepalive: {keepalive_time: 30}
        """);
    assertThat(c.listeners().get(0).socketOptions()).containsExactly(
        new SocketOptionSpec(SocketOptionSpec.Name.SO_REUSEADDR, 1, SocketOptionSpec.State.PREBIND),
        new SocketOptionSpec(SocketOptionSpec.Name.SO_RCVBUF, 65536, SocketOptionSpec.State.BOUND));
    assertThat(c.clusters().get(0).socketOptions()).containsExactly(
        new SocketOptionSpec(SocketOptionSpec.Name.SO_SNDBUF, 32768, SocketOptionSpec.State.PREBIND),
        new SocketOptionSpec(SocketOptionSpec.Name.SO_KEEPALIVE, 1, SocketOptionSpec.State.PREBIND),
        new SocketOptionSpec(SocketOptionSpec.Name.TCP_KEEPIDLE, 30, SocketOptionSpec.State.PREBIND));
  }

  @Test
  void optionsWeCannotSetAreRefusedNamingFieldLevelAndName() {
    // IP_TRANSPARENT (SOL_IP 0, 19), as Istio sets for TPROXY interception.
    assertThatThrownBy(() -> translate("""
        socket_options: [{description: IP_TRANSPARENT, level: 0, name: 19, int_value: 1}]
        """, null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener tcp.socket_options[0]: socket option level 0 name 19 (IP_TRANSPARENT) is not supported");
    assertThatThrownBy(() -> translate("socket_options: [{level: 1, name: 9, buf_value: AQ==}]", null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener tcp.socket_options[0]: unsupported field(s) [buf_value]");
    assertThatThrownBy(() -> translate("", "upstream_connection_options: {tcp_keepalive: {keepalive_probes: 0}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster echo.upstream_connection_options.tcp_keepalive.keepalive_probes: must be between 1 and 127, got 0");
    assertThatThrownBy(() -> translate("", "upstream_bind_config: {source_address: {address: 127.0.0.1, port_value: 0}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster echo.upstream_bind_config: unsupported field(s) [source_address]");
    assertThatThrownBy(() -> translate("socket_options: [{level: 6, name: 4, int_value: 40000}]", null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener tcp.socket_options[0].int_value: 40000 is out of range for TCP_KEEPIDLE");
  }
}
