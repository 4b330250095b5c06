package io.wasmplane.dataplane.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import io.wasmplane.dataplane.testing.Http;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.network.wasm (plugins/c/c_tcp.c, built with clang from source) in front of envoy.filters.network.tcp_proxy,
 * through real sockets to a real echo server: bytes rewritten both ways, StopIteration holding a partial line,
 * connection properties, half-close as end_of_stream, proxy_close_stream, and the tcp.<stat_prefix> stats.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class TcpProxyWasmTest {
  private TcpEchoServer echo;
  private Dataplane dp;

  private com.sun.net.httpserver.HttpServer collector;
  private final java.util.List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  void start() throws Exception {
    collector = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 10);
    collector.createContext("/", ex -> {
      logged.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    collector.start();
    echo = new TcpEchoServer();
    Path plugin = Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "c/c_tcp.wasm");
    assertThat(Files.isRegularFile(plugin)).as(plugin + " (run plugins/build.sh)").isTrue();
    dp = Bootstraps.start("""
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
          - name: tcp
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.wasm
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
                  config:
                    name: c_tcp
                    root_id: c_tcp
                    vm_config:
                      vm_id: c_tcp_vm
                      runtime: envoy.wasm.runtime.v8
                      code: {local: {filename: "%s"}}
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: tcp_echo
                  cluster: echo
                  idle_timeout: 30s
                  access_log:
                  - name: envoy.access_loggers.wasm
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.wasm.v3.WasmAccessLog
                      config:
                        name: c_access_log
                        configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: collector}
                        vm_config:
                          runtime: envoy.wasm.runtime.v8
                          code: {local: {filename: "%s"}}
          clusters:
        %s
        %s
        """.formatted(plugin.toAbsolutePath(), plugin.resolveSibling("c_access_log.wasm").toAbsolutePath(),
        Bootstraps.staticCluster("echo", echo.port(), null), Bootstraps.staticCluster("collector", collector.getAddress().getPort(), null)));
  }

  @AfterAll
  void stop() throws Exception {
    if (dp != null) {
      dp.close();
    }
    echo.close();
    collector.stop(0);
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", dp.port("tcp")), 2000);
    s.setSoTimeout(5000);
    return s;
  }

  /** Reads until the text read so far contains {@code expected} (bounded by the socket timeout). */
  private static String readUntil(Socket s, String expected) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    while (!got.toString(StandardCharsets.UTF_8).contains(expected)) {
      int n = s.getInputStream().read(buf);
      if (n < 0) {
        break;
      }
      got.write(buf, 0, n);
    }
    return got.toString(StandardCharsets.UTF_8);
  }

  private static String readToEnd(Socket s) throws IOException {
    return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void rewritesBothDirectionsAndHoldsAPartialLineUntilItIsComplete() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write("hel".getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      s.setSoTimeout(300);
      // StopIteration: nothing reaches the upstream (so nothing echoes back) before the line ends.
      int early;
      try {
        early = s.getInputStream().read();
      } catch (SocketTimeoutException expected) {
        early = -2;
      }
      assertThat(early).as("bytes echoed before the plugin continued").isEqualTo(-2);
      s.setSoTimeout(5000);
      s.getOutputStream().write("lo\n".getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      assertThat(readUntil(s, "HELLO\n")).isEqualTo("up:HELLO\n");

      s.getOutputStream().write("whoami\n".getBytes(StandardCharsets.UTF_8));
      String who = readUntil(s, "\n");
      assertThat(who).isEqualTo("up:src=127.0.0.1:" + s.getLocalPort() + " dport=" + dp.port("tcp") + " id=" + who.replaceAll("(?s).* id=(\\d+)\\n", "$1") + "\n");
      assertThat(who).matches("(?s).* id=[1-9]\\d*\\n");

      // Half-close: the client's end of stream reaches the upstream, whose own end comes back as end_of_stream.
      s.getOutputStream().write("bye".getBytes(StandardCharsets.UTF_8));
      s.shutdownOutput();
      String rest = readToEnd(s);
      assertThat(rest.replace("up:", "")).isEqualTo("BYE[end]");
    }
    var stats = dp.server().stats();
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (stats.snapshot().counter("c_tcp.downstream_closes") < 1 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    String text = Http.get(Http.h1(), "http://127.0.0.1:" + dp.adminPort() + "/stats").body();
    assertThat(text).containsPattern("(?m)^tcp\\.tcp_echo\\.downstream_cx_total: [1-9]\\d*$");
    assertThat(text).containsPattern("(?m)^tcp\\.tcp_echo\\.downstream_cx_rx_bytes_total: [1-9]\\d*$");
    assertThat(text).containsPattern("(?m)^c_tcp\\.connections: [1-9]\\d*$");
    assertThat(text).containsPattern("(?m)^c_tcp\\.upstream_closes: [1-9]\\d*$");
    assertThat(text).containsPattern("(?m)^c_tcp\\.downstream_closes: [1-9]\\d*$");
  }

  @Test
  void closeStreamFromThePluginClosesTheConnection() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
      assertThat(readUntil(s, "PING\n")).isEqualTo("up:PING\n");
      s.getOutputStream().write("close\n".getBytes(StandardCharsets.UTF_8));
      assertThat(s.getInputStream().read()).as("connection closed by proxy_close_stream").isEqualTo(-1);
    }
  }

  @Test
  void theWasmAccessLoggerRunsWhenTheConnectionEnds() throws Exception {
    int localPort;
    try (Socket s = connect()) {
      localPort = s.getLocalPort();
      s.getOutputStream().write("log me\n".getBytes(StandardCharsets.UTF_8));
      assertThat(readUntil(s, "LOG ME\n")).isEqualTo("up:LOG ME\n");
    }
    String expected = "- - -1 -1 -1 flags=-1 up=- src=127.0.0.1:" + localPort;
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!logged.contains(expected) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(logged).contains(expected);
  }

  @Test
  void configDumpShowsTheFilterChain() throws Exception {
    String dump = Http.get(Http.h1(), "http://127.0.0.1:" + dp.adminPort() + "/config_dump").body();
    assertThat(dump).contains("envoy.extensions.filters.network.wasm.v3.Wasm").contains("envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy");
  }
}
