package io.wasmplane.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.H2cClient;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.RawHttp;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TlsProbe;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Envoy's filter chain selection through real sockets: per-SNI certificates and routes behind the TLS inspector, TLS
 * and cleartext on one port, the HTTP inspector's application protocols, destination port, source prefix and source
 * type, the default chain, and a connection no chain matches (closed and counted).
 */
@Timeout(60)
class FilterChainMatchTest {
  private static Path dir;
  private static Path[] exact;
  private static Path[] wildcard;

  @BeforeAll
  static void certificates() throws Exception {
    dir = Files.createTempDirectory("chains-pki");
    exact = TestPki.selfSigned(dir, "a.example.com");
    wildcard = TestPki.selfSigned(dir, "*.example.com");
  }

  @AfterAll
  static void cleanUp() throws Exception {
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(dir);
  }

  /** One filter chain as a YAML flow sequence entry: an HCM answering every request with {@code body}. */
  static String chain(String name, String match, String transportSocket, String body) {
    return "- {name: " + name + (match == null ? "" : ", filter_chain_match: " + match)
        + (transportSocket == null ? "" : ", transport_socket: " + transportSocket) + ", filters: [" + hcm(name, body) + "]}\n";
  }

  static String hcm(String statPrefix, String body) {
    return "{name: envoy.filters.network.http_connection_manager, typed_config: {\"@type\": "
        + "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager, "
        + "stat_prefix: " + statPrefix + ", route_config: {virtual_hosts: [{name: all, domains: [\"*\"], routes: [{match: {prefix: \"/\"}, "
        + "direct_response: {status: 200, body: {inline_string: \"" + body + "\"}}}]}]}, http_filters: [{name: envoy.filters.http.router, "
        + "typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]}}";
  }

  static String tls(Path[] certAndKey) {
    return "{name: envoy.transport_sockets.tls, typed_config: {\"@type\": "
        + "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, common_tls_context: {"
        + "alpn_protocols: [h2, http/1.1], tls_certificates: [{certificate_chain: {filename: " + certAndKey[0] + "}, private_key: {filename: "
        + certAndKey[1] + "}}]}}}";
  }

  /** A bootstrap with admin and one listener "ingress" on {@code port} with these chains and listener-level extras. */
  static String bootstrap(int port, String chains, String listenerExtra) {
    return """
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
          - name: ingress
            address: {socket_address: {address: 127.0.0.1, port_value: %d}}
        %s
            filter_chains:
        %s
        """.formatted(port, Bootstraps.indent(listenerExtra, 4), Bootstraps.indent(chains, 4));
  }

  static long counter(Dataplane dp, String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  static String body(String rawResponse) {
    return rawResponse.substring(rawResponse.indexOf("\r\n\r\n") + 4);
  }

  @Test
  void sniPicksCertificateAndRoutesAndCleartextSharesThePort() throws Exception {
    String chains = chain("exact", "{server_names: [a.example.com]}", tls(exact), "chain-exact")
        + chain("wildcard", "{server_names: [\"*.example.com\"], transport_protocol: tls}", tls(wildcard), "chain-wildcard")
        + chain("cleartext", "{transport_protocol: raw_buffer}", null, "chain-cleartext");
    String listenerFilters = """
        listener_filters:
        - name: envoy.filters.listener.tls_inspector
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}
        """;
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, listenerFilters))) {
      int port = dp.port("ingress");
      TlsProbe.Result a = TlsProbe.get(port, "a.example.com", "/");
      assertThat(a.subject()).isEqualTo("CN=a.example.com");
      assertThat(body(a.response())).isEqualTo("chain-exact");

      TlsProbe.Result b = TlsProbe.get(port, "b.example.com", "/");
      assertThat(b.subject()).as("the wildcard chain's certificate").isEqualTo("CN=*.example.com");
      assertThat(body(b.response())).isEqualTo("chain-wildcard");
      TlsProbe.Result deep = TlsProbe.get(port, "x.y.example.com", "/");
      assertThat(body(deep.response())).isEqualTo("chain-wildcard");

      String plain = RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
      assertThat(plain).startsWith("HTTP/1.1 200").endsWith("chain-cleartext");

      String scope = "listener.127.0.0.1_" + port;
      assertThat(counter(dp, scope + ".no_filter_chain_match")).isZero();
      // "example.com" itself is not under "*.example.com", and no chain takes other names: closed, counted.
      assertThat(handshakeFails(port, "example.com")).isTrue();
      assertThat(handshakeFails(port, "other.org")).isTrue();
      assertThat(counter(dp, scope + ".no_filter_chain_match")).isEqualTo(2);
      assertThat(counter(dp, "tls_inspector.tls_found")).isEqualTo(5);
      assertThat(counter(dp, "tls_inspector.sni_found")).isEqualTo(5);
      assertThat(counter(dp, "tls_inspector.tls_not_found")).isEqualTo(1);
    }
  }

  @Test
  void clientHelloSplitOverRecordsAndReadsIsStillRead() throws Exception {
    String chains = chain("exact", "{server_names: [a.example.com]}", tls(exact), "chain-exact");
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, null))) {
      int port = dp.port("ingress");
      javax.net.ssl.SSLEngine engine = javax.net.ssl.SSLContext.getDefault().createSSLEngine("a.example.com", port);
      engine.setUseClientMode(true);
      java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
      engine.wrap(java.nio.ByteBuffer.allocate(0), out);
      out.flip();
      byte[] record = new byte[out.remaining()];
      out.get(record);
      // The one record holding the ClientHello, re-cut into two records, then sent a few bytes at a time.
      int payload = record.length - 5;
      int first = payload / 2;
      java.io.ByteArrayOutputStream split = new java.io.ByteArrayOutputStream();
      split.write(new byte[] {record[0], record[1], record[2], (byte) (first >> 8), (byte) first});
      split.write(record, 5, first);
      split.write(new byte[] {record[0], record[1], record[2], (byte) ((payload - first) >> 8), (byte) (payload - first)});
      split.write(record, 5 + first, payload - first);
      byte[] bytes = split.toByteArray();
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.setTcpNoDelay(true);
        s.setSoTimeout(5000);
        for (int i = 0; i < bytes.length; i += 50) {
          s.getOutputStream().write(bytes, i, Math.min(50, bytes.length - i));
          s.getOutputStream().flush();
          Thread.sleep(2);
        }
        assertThat(s.getInputStream().read()).as("a TLS handshake record from the SNI's chain").isEqualTo(0x16);
      }
      assertThat(counter(dp, "tls_inspector.sni_found")).isEqualTo(1);
      assertThat(counter(dp, "listener.127.0.0.1_" + port + ".no_filter_chain_match")).isZero();
    }
  }

  private static boolean handshakeFails(int port, String sni) {
    try {
      TlsProbe.get(port, sni, "/");
      return false;
    } catch (Exception e) {
      return true;
    }
  }

  @Test
  void tcpProxyChainBesideTlsHttpChainOnOnePort() throws Exception {
    try (TcpEchoServer echo = new TcpEchoServer()) {
      String tcpChain = "- {name: tcp, filter_chain_match: {transport_protocol: raw_buffer}, filters: [{name: envoy.filters.network.tcp_proxy, "
          + "typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: raw, "
          + "cluster: echo}}]}\n";
      String chains = chain("tls", "{transport_protocol: tls}", tls(exact), "chain-tls") + tcpChain;
      String yaml = bootstrap(0, chains, "listener_filters: [{name: envoy.filters.listener.tls_inspector, typed_config: {\"@type\": "
          + "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}}]")
          + "  clusters:\n" + Bootstraps.staticCluster("echo", echo.port(), null);
      try (Dataplane dp = Bootstraps.start(yaml)) {
        int port = dp.port("ingress");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
          s.setSoTimeout(5000);
          // The bytes the inspector peeked at reach the upstream first, then the rest of the stream.
          s.getOutputStream().write("hello ".getBytes());
          s.getOutputStream().flush();
          Thread.sleep(100);
          s.getOutputStream().write("world\n".getBytes());
          s.shutdownOutput();
          assertThat(new String(s.getInputStream().readAllBytes())).isEqualTo("hello world\n");
        }
        assertThat(body(TlsProbe.get(port, "a.example.com", "/").response())).isEqualTo("chain-tls");
        assertThat(counter(dp, "tcp.raw.downstream_cx_total")).isEqualTo(1);
      }
    }
  }

  @Test
  void httpInspectorSetsTheApplicationProtocol() throws Exception {
    String chains = chain("h2c", "{application_protocols: [h2c]}", null, "chain-h2c")
        + chain("h1", "{application_protocols: [http/1.1, http/1.0]}", null, "chain-h1")
        + chain("other", null, null, "chain-other");
    String listenerFilters = """
        listener_filters:
        - name: envoy.filters.listener.http_inspector
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector}
        """;
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, listenerFilters))) {
      int port = dp.port("ingress");
      assertThat(RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000)).endsWith("chain-h1");
      assertThat(RawHttp.exchange(port, "GET / HTTP/1.0\r\n\r\n", 5000)).endsWith("chain-h1");
      try (H2cClient h2 = new H2cClient(port)) {
        assertThat(h2.request("GET", "/", "x", null).get(5, TimeUnit.SECONDS).body()).isEqualTo("chain-h2c");
      }
      assertThat(counter(dp, "http_inspector.http11_found")).isEqualTo(1);
      assertThat(counter(dp, "http_inspector.http10_found")).isEqualTo(1);
      assertThat(counter(dp, "http_inspector.http2_found")).isEqualTo(1);
    }
  }

  @Test
  void destinationPortSourcePrefixAndSourceTypeInEnvoysOrder() throws Exception {
    int port = Ports.freePort();
    // The exact destination port wins over chains without one, even when those match more specific source ranges
    // (no going back once the port narrowed the candidates): only the chains with this port compete further.
    String chains = chain("other-port", "{destination_port: 1}", null, "chain-other-port")
        + chain("port-loopback", "{destination_port: " + port + ", source_prefix_ranges: [{address_prefix: 127.0.0.0, prefix_len: 8}]}",
            null, "chain-port-loopback")
        + chain("port-ten", "{destination_port: " + port + ", source_prefix_ranges: [{address_prefix: 10.0.0.0, prefix_len: 8}]}",
            null, "chain-port-ten")
        + chain("any-port-exact-source", "{source_prefix_ranges: [{address_prefix: 127.0.0.1, prefix_len: 32}]}", null,
            "chain-any-port");
    try (Dataplane dp = Bootstraps.start(bootstrap(port, chains, null))) {
      assertThat(RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000))
          .endsWith("chain-port-loopback");
    }
    String byType = chain("external", "{source_type: EXTERNAL}", null, "chain-external")
        + chain("local", "{source_type: SAME_IP_OR_LOOPBACK, prefix_ranges: [{address_prefix: 127.0.0.0, prefix_len: 8}]}", null,
            "chain-local")
        + chain("narrow-destination", "{prefix_ranges: [{address_prefix: 127.0.0.1, prefix_len: 32}], source_ports: [1]}", null,
            "chain-source-port-1");
    try (Dataplane dp = Bootstraps.start(bootstrap(0, byType, null))) {
      int p = dp.port("ingress");
      // The /32 destination range is more specific than /8 and is chosen first; its only chain wants source port 1,
      // so the connection matches nothing (Envoy does not fall back to the /8 chains).
      assertThat(RawHttp.closedAfter(p, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 5000)).isTrue();
      assertThat(counter(dp, "listener.127.0.0.1_" + p + ".no_filter_chain_match")).isEqualTo(1);
    }
    String byTypeOnly = chain("external", "{source_type: EXTERNAL}", null, "chain-external")
        + chain("local", "{source_type: SAME_IP_OR_LOOPBACK}", null, "chain-local");
    try (Dataplane dp = Bootstraps.start(bootstrap(0, byTypeOnly, null))) {
      assertThat(RawHttp.exchange(dp.port("ingress"), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000))
          .endsWith("chain-local");
    }
  }

  @Test
  void defaultChainTakesWhatNoChainMatches() throws Exception {
    String chains = chain("tls-only", "{transport_protocol: tls}", tls(exact), "chain-tls");
    String extra = """
        default_filter_chain:
          name: fallback
          filters: [%s]
        """.formatted(hcm("fallback", "chain-default"));
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, extra))) {
      int port = dp.port("ingress");
      assertThat(RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000)).endsWith("chain-default");
      assertThat(body(TlsProbe.get(port, "a.example.com", "/").response())).as("TLS inspector injected for the tls chain")
          .isEqualTo("chain-tls");
      assertThat(counter(dp, "listener.127.0.0.1_" + port + ".no_filter_chain_match")).isZero();
      String admin = "http://127.0.0.1:" + dp.adminPort();
      String dump = Http.get(Http.h1(), admin + "/config_dump").body();
      assertThat(dump).contains("\"default_filter_chain\"", "\"name\": \"fallback\"", "\"name\": \"tls-only\"");
      assertThat(Http.get(Http.h1(), admin + "/listeners").body()).contains("ingress::127.0.0.1:" + port);
    }
  }

  @Test
  void listenerFiltersTimeoutClosesOrContinues() throws Exception {
    String chains = chain("tls", "{transport_protocol: tls}", tls(exact), "chain-tls")
        + chain("raw", null, null, "chain-raw");
    String closing = """
        listener_filters:
        - name: envoy.filters.listener.tls_inspector
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}
        listener_filters_timeout: 0.2s
        """;
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, closing))) {
      int port = dp.port("ingress");
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.setSoTimeout(5000);
        // A client that sends nothing: the inspector never sees a byte, the connection is closed after the timeout.
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      assertThat(counter(dp, "listener.127.0.0.1_" + port + ".downstream_pre_cx_timeout")).isEqualTo(1);
      assertThat(counter(dp, "listener.127.0.0.1_" + port + ".downstream_cx_total")).isZero();
      assertThat(dp.server().stats().snapshot().gauge("listener.127.0.0.1_" + port + ".downstream_pre_cx_active")).isZero();
    }
    // Disabled for this listener's port (as Istio disables inspectors on some ports): nothing waits for bytes.
    String disabled = closing.replace("TlsInspector}", "TlsInspector}\n  filter_disabled: {or_match: {rules: [{destination_port_range: "
        + "{start: 1, end: 65536}}, {not_match: {any_match: true}}]}}");
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, disabled))) {
      int port = dp.port("ingress");
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.setSoTimeout(5000);
        Thread.sleep(400);
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
        assertThat(new String(s.getInputStream().readAllBytes())).endsWith("chain-raw");
      }
      assertThat(counter(dp, "listener.127.0.0.1_" + port + ".downstream_pre_cx_timeout")).isZero();
    }
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, closing + "continue_on_listener_filters_timeout: true\n"))) {
      int port = dp.port("ingress");
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.setSoTimeout(5000);
        Thread.sleep(400); // past the timeout: the connection goes on as raw_buffer
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
        assertThat(new String(s.getInputStream().readAllBytes())).endsWith("chain-raw");
      }
      assertThat(counter(dp, "listener.127.0.0.1_" + port + ".downstream_pre_cx_timeout")).isEqualTo(1);
    }
  }
}
