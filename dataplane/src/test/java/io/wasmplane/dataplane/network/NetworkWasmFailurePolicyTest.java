package io.wasmplane.dataplane.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A network Wasm filter that traps on the first bytes (plugins/wat/ext/net_trap.wat) in front of a TCP proxy to an
 * echo server: FAIL_CLOSED closes the connection without forwarding anything; FAIL_OPEN lets the bytes through.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class NetworkWasmFailurePolicyTest {
  private TcpEchoServer echo;
  private Dataplane dp;

  private static String listener(String name, String policy, Path plugin) {
    return """
          - name: %s
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.wasm
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
                  config:
                    name: net_trap_%s
                    failure_policy: %s
                    vm_config:
                      runtime: envoy.wasm.runtime.v8
                      code: {local: {filename: "%s"}}
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: %s
                  cluster: echo
        """.formatted(name, name, policy, plugin, name);
  }

  @BeforeAll
  void start() throws Exception {
    echo = new TcpEchoServer();
    Path plugin = Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "wat/net_trap.wasm").toAbsolutePath();
    dp = Bootstraps.start("""
        static_resources:
          listeners:
        %s
        %s
        %s
          clusters:
        %s
        """.formatted(listener("closed", "FAIL_CLOSED", plugin), listener("open", "FAIL_OPEN", plugin),
        listener("reload", "FAIL_RELOAD\n" + " ".repeat(12) + "reload_config: {backoff: {base_interval: 2s}}",
            plugin.resolveSibling("net_trap_on_t.wasm")),
        Bootstraps.staticCluster("echo", echo.port(), null)));
  }

  @AfterAll
  void stop() throws Exception {
    if (dp != null) {
      dp.close();
    }
    echo.close();
  }

  private String exchange(String listener) throws IOException {
    return exchange(listener, "ping");
  }

  /** Sends four bytes and reads up to four back; "<closed>" marks a connection closed before that. */
  private String exchange(String listener, String bytes) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", dp.port(listener)), 2000);
      s.setSoTimeout(5000);
      s.getOutputStream().write(bytes.getBytes(StandardCharsets.UTF_8));
      byte[] buf = new byte[4];
      int got = 0;
      while (got < 4) {
        int n = s.getInputStream().read(buf, got, 4 - got);
        if (n < 0) {
          break;
        }
        got += n;
      }
      return got < 0 ? "" : new String(buf, 0, got, StandardCharsets.UTF_8) + (got < 4 ? "<closed>" : "");
    } catch (java.net.SocketException reset) {
      return "<closed>"; // closed by the proxy before (or while) the bytes were written
    }
  }

  @Test
  void failClosedClosesTheConnection() throws Exception {
    assertThat(exchange("closed")).isEqualTo("<closed>");
  }

  @Test
  void failOpenPassesTheBytesThrough() throws Exception {
    assertThat(exchange("open")).isEqualTo("ping");
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  @Test
  void failReloadClosesTheConnectionAndServesFromAFreshVmAfterTheBackoff() throws Exception {
    assertThat(exchange("reload", "ping")).isEqualTo("ping");
    // Connections take turns on the two workers: four of them fail the VM on each (or meet the failed one).
    for (int i = 0; i < 4; i++) {
      assertThat(exchange("reload", "trap")).isEqualTo("<closed>");
    }
    assertThat(counter("wasm.net_trap_reload.vm_failures")).isEqualTo(2);
    // Within the backoff the failed VM is kept: new connections are closed, counted as vm_reload_backoff.
    assertThat(exchange("reload", "ping")).isEqualTo("<closed>");
    assertThat(counter("wasm.net_trap_reload.vm_reload_backoff")).isPositive();
    assertThat(counter("wasm.net_trap_reload.vm_reload_success")).isZero();
    long deadline = System.nanoTime() + 10_000_000_000L;
    String got = "";
    while (!got.equals("ping") && System.nanoTime() < deadline) {
      Thread.sleep(200);
      got = exchange("reload", "ping");
    }
    assertThat(got).as("served by a reloaded VM after the backoff").isEqualTo("ping");
    assertThat(counter("wasm.net_trap_reload.vm_reload_success")).isPositive();
    assertThat(counter("wasm.net_trap_reload.vm_failures")).as("the reloaded VM did not fail").isEqualTo(2);
  }
}
