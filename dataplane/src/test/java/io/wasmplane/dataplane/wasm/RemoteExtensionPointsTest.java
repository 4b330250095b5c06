package io.wasmplane.dataplane.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Remote code pinned by sha256 for the other extension points: the network filter (plugins/c/c_tcp.c before a
 * tcp_proxy) and the stats sink (plugins/c/c_stats_sink.c), both fetched through a STATIC cluster from a real module
 * server; a network filter whose sha256 does not match never runs and, FAIL_CLOSED, its connections are closed.
 */
@Timeout(60)
class RemoteExtensionPointsTest {
  private Path cacheDir;
  private ModuleServer modules;
  private TcpEchoServer echo;
  private byte[] cTcp;
  private byte[] cStatsSink;

  @BeforeEach
  void setUp() throws Exception {
    cacheDir = Files.createTempDirectory("wasm-cache");
    System.setProperty("wasmplane.wasm.cache_dir", cacheDir.toString());
    Path c = Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "c");
    cTcp = Files.readAllBytes(c.resolve("c_tcp.wasm"));
    cStatsSink = Files.readAllBytes(c.resolve("c_stats_sink.wasm"));
    modules = new ModuleServer(new byte[0]);
    modules.put("/c_tcp.wasm", cTcp);
    modules.put("/c_stats_sink.wasm", cStatsSink);
    echo = new TcpEchoServer();
  }

  @AfterEach
  void tearDown() throws Exception {
    System.clearProperty("wasmplane.wasm.cache_dir");
    modules.close();
    echo.close();
  }

  private String remote(String path, String sha256) {
    return """
        remote:
          http_uri: {uri: "%s", cluster: modules, timeout: 2s}
          sha256: "%s"
          retry_policy: {num_retries: 1, retry_back_off: {base_interval: 0.02s, max_interval: 0.05s}}
        """.formatted(modules.url(path), sha256);
  }

  private String tcpListener(String name, String code) {
    return """
        - name: %s
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.wasm
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
                config:
                  name: c_tcp_%s
                  root_id: c_tcp
                  failure_policy: FAIL_CLOSED
                  vm_config:
                    vm_id: c_tcp_%s
                    runtime: envoy.wasm.runtime.v8
                    code:
        %s
            - name: envoy.filters.network.tcp_proxy
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                stat_prefix: %s
                cluster: echo
        """.formatted(name, name, name, code.indent(14), name);
  }

  private static String roundTrip(int port, String line) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      int b;
      while ((b = s.getInputStream().read()) >= 0) {
        got.write(b);
        if (b == '\n') {
          break;
        }
      }
      return got.toString(StandardCharsets.UTF_8) + (b < 0 ? "<closed>" : "");
    } catch (java.net.SocketException reset) {
      return "<closed>";
    }
  }

  @Test
  void theNetworkFilterAndTheStatsSinkRunRemoteCodeVerifiedBySha256() throws Exception {
    String wrong = "0".repeat(64);
    try (Dataplane dp = Bootstraps.start("""
        stats_flush_interval: 0.1s
        stats_sinks:
        - name: envoy.stat_sinks.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.stat_sinks.wasm.v3.Wasm
            config:
              name: c_stats_sink
              root_id: c_stats_sink
              configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "server.concurrency"}
              vm_config:
                vm_id: c_stats_sink
                runtime: envoy.wasm.runtime.v8
                code:
        %s
        static_resources:
          listeners:
        %s
        %s
          clusters:
        %s
        %s
        """.formatted(remote("/c_stats_sink.wasm", Sha256.hex(cStatsSink)).indent(10),
        tcpListener("good", remote("/c_tcp.wasm", Sha256.hex(cTcp))).indent(2),
        tcpListener("bad", remote("/c_tcp.wasm", wrong)).indent(2),
        Bootstraps.staticCluster("echo", echo.port(), null), Bootstraps.staticCluster("modules", modules.port(), null)))) {
      assertThat(roundTrip(dp.port("good"), "hi")).isEqualTo("up:HI\n");
      // The same bytes under a sha256 they do not have: never run; FAIL_CLOSED closes the connection.
      assertThat(roundTrip(dp.port("bad"), "hi")).isEqualTo("<closed>");
      assertThat(dp.server().stats().snapshot().counter("tcp.bad.downstream_cx_total")).isZero();

      var stats = dp.server().stats();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (stats.snapshot().gauge("c_stats_sink.server.concurrency") != 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(stats.snapshot().gauge("c_stats_sink.server.concurrency")).as("the remote sink saw server.concurrency").isEqualTo(2);
      assertThat(stats.snapshot().counter("wasm.remote_load_fetch_successes")).isEqualTo(2);
      assertThat(stats.snapshot().counter("wasm.remote_load_fetch_failures")).isPositive();
      assertThat(modules.hits("/c_stats_sink.wasm")).isEqualTo(1);
    }
  }
}
