package io.wasmplane.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawHttp;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TestUpstream;
import io.wasmplane.dataplane.testing.TlsProbe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.listener.proxy_protocol through real sockets: a client writes a PROXY v1 or v2 header and then an HTTP
 * request; the upstream (x-forwarded-for), the access log (%DOWNSTREAM_REMOTE_ADDRESS%, %DOWNSTREAM_LOCAL_ADDRESS%), a
 * Wasm plugin (source.address) and filter chain selection (source_prefix_ranges) see the carried addresses. Bad,
 * missing and disallowed headers close the connection and count Envoy's proxy_proto stats.
 */
@Timeout(60)
class ProxyProtocolTest {
  private static TestUpstream upstream;

  @BeforeAll
  static void start() throws IOException {
    upstream = new TestUpstream("backend");
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  /** A PROXY v2 header for a TCP connection from {@code src} to {@code dst} (IPv4 or IPv6), with one TLV after it. */
  static byte[] v2(String src, int srcPort, String dst, int dstPort) throws IOException {
    byte[] s = InetAddress.getByName(src).getAddress();
    byte[] d = InetAddress.getByName(dst).getAddress();
    byte[] tlv = {0x04, 0x00, 0x02, 'o', 'k'}; // PP2_TYPE_NOOP: skipped
    ByteBuffer b = ByteBuffer.allocate(16 + 2 * s.length + 4 + tlv.length);
    b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
    b.put((byte) 0x21); // version 2, PROXY
    b.put((byte) (s.length == 4 ? 0x11 : 0x21)); // TCP over IPv4 / IPv6
    b.putShort((short) (2 * s.length + 4 + tlv.length));
    b.put(s).put(d).putShort((short) srcPort).putShort((short) dstPort).put(tlv);
    return b.array();
  }

  /** A PROXY v2 LOCAL header (the proxy's own health check): the connection keeps its addresses. */
  static byte[] v2Local() {
    return new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00};
  }

  static byte[] concat(byte[] a, String b) {
    byte[] tail = b.getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[a.length + tail.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(tail, 0, all, a.length, tail.length);
    return all;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static final String GET = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

  /** Writes {@code bytes} (in two writes split at {@code split}, to cover headers that arrive in pieces) and reads to EOF. */
  static String exchange(int port, byte[] bytes, int split) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      s.setTcpNoDelay(true);
      s.getOutputStream().write(bytes, 0, split);
      s.getOutputStream().flush();
      if (split < bytes.length) {
        Thread.sleep(50);
        s.getOutputStream().write(bytes, split, bytes.length - split);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no EOF within 5 s; got: " + out.toString(StandardCharsets.ISO_8859_1));
      } catch (IOException e) {
        // reset after the response or instead of one: what arrived counts
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    } catch (InterruptedException e) {
      throw new IOException(e);
    }
  }

  static String wasm() {
    return """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: as_headers_plugin
              root_id: as_headers
              configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "stamp=v1"}
              vm_config: {vm_id: as_vm, runtime: envoy.wasm.runtime.v8, code: {local: {filename: %s}}}
        """.formatted(Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "assemblyscript/as_headers.wasm"));
  }

  /**
   * Listener "ingress": the PROXY protocol filter with {@code proxyConfig}; a chain for clients in 192.0.2.0/24 that
   * proxies to the test upstream through a Wasm filter and logs the downstream addresses, and a chain for everyone else.
   */
  static String bootstrap(String proxyConfig, Path accessLog) {
    return """
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
          - name: ingress
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            listener_filters_timeout: 2s
            listener_filters:
            - name: envoy.filters.listener.proxy_protocol
              typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol%s}
            filter_chains:
            - name: carried
              filter_chain_match: {source_prefix_ranges: [{address_prefix: 192.0.2.0, prefix_len: 24}, {address_prefix: "2001:db8::", prefix_len: 32}]}
              filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: carried
                  use_remote_address: true
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: %s
                      log_format: {text_format: "%%DOWNSTREAM_REMOTE_ADDRESS%% %%DOWNSTREAM_LOCAL_ADDRESS%%\\n"}
                  route_config: {virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: backend}}]}]}
                  http_filters:
        %s
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        %s
          clusters:
        %s
        """.formatted(proxyConfig.isEmpty() ? "" : ", " + proxyConfig, accessLog, Bootstraps.indent(wasm(), 10),
        Bootstraps.indent(FilterChainMatchTest.chain("other", null, null, "chain-other"), 4),
        Bootstraps.staticCluster("backend", upstream.port(), null));
  }

  static long counter(Dataplane dp, String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  static List<String> logLines(Dataplane dp, Path log, int atLeast) throws Exception {
    for (int i = 0; i < 100; i++) {
      dp.server().flushAccessLogs();
      List<String> lines = Files.readAllLines(log);
      if (lines.size() >= atLeast) {
        return lines;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("fewer than " + atLeast + " access log lines: " + Files.readAllLines(log));
  }

  @Test
  void v1AndV2HeadersCarryTheClientAndDestinationAddresses() throws Exception {
    Path log = Files.createTempFile("proxy-proto", ".log");
    try (Dataplane dp = Bootstraps.start(bootstrap("", log))) {
      int port = dp.port("ingress");
      String v1 = exchange(port, ascii("PROXY TCP4 192.0.2.10 198.51.100.7 56324 443\r\n" + GET), 20);
      assertThat(v1).startsWith("HTTP/1.1 200");
      assertThat(v1).as("what the upstream received").contains("x-forwarded-for: 192.0.2.10\n")
          .contains("x-as-source: 192.0.2.10:56324\n");

      String v2 = exchange(port, concat(v2("192.0.2.77", 40000, "198.51.100.9", 8443), GET), 7);
      assertThat(v2).startsWith("HTTP/1.1 200").contains("x-forwarded-for: 192.0.2.77\n")
          .contains("x-as-source: 192.0.2.77:40000\n");
      // An IPv6 client in 2001:db8::/32 gets the carried chain (and so the upstream) too.
      // Its addresses read as Envoy writes them: RFC 5952 short form, bracketed when a port follows.
      assertThat(exchange(port, concat(v2("2001:db8::7", 40001, "2001:db8::1", 8443), GET), 30)).startsWith("HTTP/1.1 200")
          .contains("x-as-stamp: v1\n").contains("x-forwarded-for: 2001:db8::7\n")
          .contains("x-as-source: [2001:db8::7]:40001\n");

      assertThat(logLines(dp, log, 3)).startsWith("192.0.2.10:56324 198.51.100.7:443", "192.0.2.77:40000 198.51.100.9:8443",
          "[2001:db8::7]:40001 [2001:db8::1]:8443");

      // A carried client outside 192.0.2.0/24 gets the other chain: selection sees the carried source too.
      assertThat(exchange(port, ascii("PROXY TCP4 203.0.113.1 198.51.100.7 1000 80\r\n" + GET), 5)).endsWith("chain-other");
      // v2 LOCAL: the proxy's own connection keeps its addresses (127.0.0.1 is not in the carried chain's ranges).
      assertThat(exchange(port, concat(v2Local(), GET), 16)).endsWith("chain-other");
      // PROXY UNKNOWN (v1): the same.
      assertThat(exchange(port, ascii("PROXY UNKNOWN\r\n" + GET), 3)).endsWith("chain-other");

      assertThat(counter(dp, "proxy_proto.versions.v1.found")).isEqualTo(3);
      assertThat(counter(dp, "proxy_proto.versions.v2.found")).isEqualTo(3);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** direct_source_prefix_ranges match the socket's peer (the load balancer), not the client the header carried. */
  @Test
  void directSourceRangesMatchTheSocketPeer() throws Exception {
    String chains = FilterChainMatchTest.chain("from-lb", "{direct_source_prefix_ranges: [{address_prefix: 127.0.0.1, prefix_len: 32}]}",
        null, "chain-from-lb")
        + FilterChainMatchTest.chain("from-client", "{direct_source_prefix_ranges: [{address_prefix: 192.0.2.0, prefix_len: 24}]}",
        null, "chain-from-client");
    String filters = """
        listener_filters:
        - name: envoy.filters.listener.proxy_protocol
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol}
        """;
    try (Dataplane dp = Bootstraps.start(FilterChainMatchTest.bootstrap(0, chains, filters))) {
      assertThat(exchange(dp.port("ingress"), ascii("PROXY TCP4 192.0.2.10 198.51.100.7 1000 80\r\n" + GET), 5))
          .endsWith("chain-from-lb");
    }
  }

  /** A gateway behind a load balancer: the PROXY header, then TLS; the TLS inspector and SNI work after the header. */
  @Test
  void tlsAfterTheHeaderIsInspectedAndTheChainSeesTheCarriedSource() throws Exception {
    Path dir = Files.createTempDirectory("proxy-proto-pki");
    Path[] cert = TestPki.selfSigned(dir, "a.example.com");
    String tls = FilterChainMatchTest.tls(cert);
    String chains = FilterChainMatchTest.chain("carried", "{server_names: [a.example.com], source_prefix_ranges: "
        + "[{address_prefix: 192.0.2.0, prefix_len: 24}]}", tls, "tls-carried")
        + FilterChainMatchTest.chain("other", "{server_names: [a.example.com]}", tls, "tls-other");
    String filters = """
        listener_filters:
        - name: envoy.filters.listener.tls_inspector
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}
        - name: envoy.filters.listener.proxy_protocol
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol}
        """;
    try (Dataplane dp = Bootstraps.start(FilterChainMatchTest.bootstrap(0, chains, filters))) {
      int port = dp.port("ingress");
      TlsProbe.Result carried = TlsProbe.get(port, "a.example.com", "/", v2("192.0.2.10", 1000, "198.51.100.7", 443));
      assertThat(FilterChainMatchTest.body(carried.response())).isEqualTo("tls-carried");
      TlsProbe.Result other = TlsProbe.get(port, "a.example.com", "/", ascii("PROXY TCP4 203.0.113.9 198.51.100.7 1000 443\r\n"));
      assertThat(FilterChainMatchTest.body(other.response())).isEqualTo("tls-other");
      assertThat(counter(dp, "tls_inspector.sni_found")).isEqualTo(2);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void garbageMissingAndBadHeadersCloseAndCount() throws Exception {
    Path log = Files.createTempFile("proxy-proto", ".log");
    try (Dataplane dp = Bootstraps.start(bootstrap("stat_prefix: edge, disallowed_versions: [V1]", log))) {
      int port = dp.port("ingress");
      String scope = "listener.127.0.0.1_" + port;
      assertThat(exchange(port, ascii(GET), GET.length())).as("no header").isEmpty();
      assertThat(counter(dp, "proxy_proto.edge.not_found_disallowed")).isEqualTo(1);

      assertThat(exchange(port, concat(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x31,
          0x11, 0x00, 0x0C}, GET), 16)).as("v2 signature, version 3").isEmpty();
      byte[] unix = v2("192.0.2.1", 1, "192.0.2.2", 2);
      unix[13] = 0x31; // AF_UNIX
      assertThat(exchange(port, concat(unix, GET), unix.length)).as("AF_UNIX").isEmpty();
      assertThat(counter(dp, "proxy_proto.edge.versions.v2.error")).isEqualTo(2);

      assertThat(exchange(port, ascii("PROXY TCP4 192.0.2.10 198.51.100.7 56324 443\r\n" + GET), 10)).as("v1 disallowed").isEmpty();
      assertThat(counter(dp, "proxy_proto.edge.versions.v1.disallowed")).isEqualTo(1);
      assertThat(counter(dp, "proxy_proto.edge.versions.v1.found")).isZero();

      // A header that never ends within the listener filter timeout.
      assertThat(RawHttp.closedAfter(port, "PROXY TCP4 192.0.2.10", 5000)).isTrue();
      assertThat(counter(dp, scope + ".downstream_pre_cx_timeout")).isEqualTo(1);
      assertThat(counter(dp, scope + ".downstream_listener_filter_error")).isEqualTo(4);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  @Test
  void v1GarbageIsAProtocolError() throws Exception {
    Path log = Files.createTempFile("proxy-proto", ".log");
    try (Dataplane dp = Bootstraps.start(bootstrap("", log))) {
      int port = dp.port("ingress");
      for (String bad : List.of("PROXY TCP4 192.0.2.300 198.51.100.7 1 2\r\n", "PROXY TCP4 192.0.2.1 198.51.100.7 1 65536\r\n",
          "PROXY TCP6 192.0.2.1 198.51.100.7 1 2\r\n", "PROXY TCP4 example.com 198.51.100.7 1 2\r\n", "PROXY HELLO\r\n",
          "PROXY TCP4 " + "1".repeat(120) + "\r\n")) {
        assertThat(exchange(port, ascii(bad + GET), bad.length())).as(bad).isEmpty();
      }
      assertThat(counter(dp, "proxy_proto.versions.v1.error")).isEqualTo(6);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  @Test
  void allowRequestsWithoutProxyProtocol() throws Exception {
    Path log = Files.createTempFile("proxy-proto", ".log");
    try (Dataplane dp = Bootstraps.start(bootstrap("allow_requests_without_proxy_protocol: true", log))) {
      int port = dp.port("ingress");
      assertThat(exchange(port, ascii(GET), 3)).startsWith("HTTP/1.1 200").endsWith("chain-other");
      assertThat(exchange(port, ascii("PROXY TCP4 192.0.2.10 198.51.100.7 56324 443\r\n" + GET), 3))
          .contains("x-forwarded-for: 192.0.2.10\n");
      assertThat(counter(dp, "proxy_proto.not_found_allowed")).isEqualTo(1);
      assertThat(counter(dp, "proxy_proto.versions.v1.found")).isEqualTo(1);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  @Test
  void unsupportedFieldsAreRefusedByName() {
    Path log = Path.of("unused.log");
    assertThatThrownBy(() -> Bootstraps.start(bootstrap("rules: [{tlv_type: 2, on_tlv_present: {key: authority}}]", log)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress.listener_filters[0].typed_config")
        .hasMessageContaining("unsupported field(s) [rules]");
    assertThatThrownBy(() -> Bootstraps.start(bootstrap("pass_through_tlvs: {match_type: INCLUDE_ALL}", log)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("[pass_through_tlvs]");
  }
}
