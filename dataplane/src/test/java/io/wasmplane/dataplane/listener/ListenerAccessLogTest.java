package io.wasmplane.dataplane.listener;

import static io.wasmplane.dataplane.listener.FilterChainMatchTest.bootstrap;
import static io.wasmplane.dataplane.listener.FilterChainMatchTest.chain;
import static io.wasmplane.dataplane.listener.FilterChainMatchTest.counter;
import static io.wasmplane.dataplane.listener.FilterChainMatchTest.tls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.AccessLogFiles;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TlsProbe;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener's access_log: one line per connection the listener closed before a chain took it, through real sockets:
 * a TLS client whose SNI no chain serves (NR), and a connection the proxy_protocol listener filter rejects (no flag).
 * Connections a chain took are not logged there.
 */
@Timeout(60)
class ListenerAccessLogTest {
  @TempDir
  Path dir;

  private static String accessLog(Path file) {
    return """
        access_log:
        - name: envoy.access_loggers.file
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
            path: "%s"
            log_format: {text_format: "%%RESPONSE_FLAGS%% %%DOWNSTREAM_REMOTE_ADDRESS%% %%DOWNSTREAM_LOCAL_ADDRESS%% %%UPSTREAM_CLUSTER%%\\n"}
        """.formatted(file);
  }

  @Test
  void aConnectionWhoseSniMatchesNoChainIsLoggedWithNr() throws Exception {
    Path[] cert = TestPki.selfSigned(dir, "a.example.com");
    Path log = dir.resolve("listener.log");
    String chains = chain("exact", "{server_names: [a.example.com]}", tls(cert), "chain-exact");
    String extra = "listener_filters: [{name: envoy.filters.listener.tls_inspector, typed_config: {\"@type\": "
        + "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}}]\n" + accessLog(log);
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, extra))) {
      int port = dp.port("ingress");
      assertThat(TlsProbe.get(port, "a.example.com", "/").response()).contains("chain-exact"); // taken by a chain: not logged here
      assertThatThrownBy(() -> TlsProbe.get(port, "b.other.org", "/")).isInstanceOf(Exception.class);
      List<String> lines = awaitLines(dp, log, 1);
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0)).matches("NR 127\\.0\\.0\\.1:\\d+ 127\\.0\\.0\\.1:" + port + " -");
      assertThat(counter(dp, "listener.127.0.0.1_" + port + ".no_filter_chain_match")).isEqualTo(1);
    }
  }

  @Test
  void aConnectionAListenerFilterRejectsIsLogged() throws Exception {
    Path log = dir.resolve("listener.log");
    String chains = chain("any", null, null, "chain-any");
    String extra = "listener_filters: [{name: envoy.filters.listener.proxy_protocol, typed_config: {\"@type\": "
        + "type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol}}]\n" + accessLog(log);
    try (Dataplane dp = Bootstraps.start(bootstrap(0, chains, extra));
        Socket s = new Socket(InetAddress.getLoopbackAddress(), dp.port("ingress"))) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)); // no PROXY header
      assertThat(s.getInputStream().read()).isEqualTo(-1);
      List<String> lines = awaitLines(dp, log, 1);
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0)).matches("- 127\\.0\\.0\\.1:" + s.getLocalPort() + " 127\\.0\\.0\\.1:\\d+ -");
    }
  }

  @Test
  void aWasmLoggerOnAListenerIsRefusedNamingTheField() {
    String chains = chain("any", null, null, "chain-any");
    String extra = """
        access_log:
        - name: envoy.access_loggers.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.access_loggers.wasm.v3.WasmAccessLog
            config: {name: x, vm_config: {code: {local: {filename: /nonexistent.wasm}}}}
        """;
    assertThatThrownBy(() -> BootstrapTranslator.translate(BootstrapLoader.fromText(bootstrap(0, chains, extra), "test"),
        Optional.empty(), Optional.empty()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress.access_log[0]: a Wasm access logger is not supported on a listener");
  }

  private static List<String> awaitLines(Dataplane dp, Path file, int n) throws Exception {
    AccessLogFiles.awaitLines(dp, file, n);
    Thread.sleep(100); // a line that should not be there would have been written by now
    dp.server().flushAccessLogs();
    return Files.readAllLines(file);
  }
}
