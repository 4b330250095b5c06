package io.wasmplane.integration.ext;

import static io.wasmplane.integration.Ports.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.integration.DataplaneProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged data plane (java -jar, --concurrency 2) with the Wasm extension points from one bootstrap file and
 * plugins built from C source: a network filter rewriting bytes on a TCP proxy stream through a real socket, a stats
 * sink whose view of a counter matches /stats, and a singleton background service that ticks.
 */
@Timeout(120)
class WasmExtensionsProcessTest {

  private static String plugin(String relative) {
    Path p = Path.of(System.getProperty("wasmplane.plugins.dir", DataplaneProcess.repoRoot().resolve("plugins/build").toString()), relative);
    assertThat(p).as("built by plugins/build.sh").isRegularFile();
    return p.toAbsolutePath().toString();
  }

  private static long stat(String stats, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ": (\\d+)$").matcher(stats);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  @Test
  void networkFilterStatsSinkAndServiceRunInThePackagedProcess() throws Exception {
    try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        while (!echo.isClosed()) {
          try (Socket s = echo.accept()) {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
              s.getOutputStream().write(buf, 0, n);
            }
          } catch (IOException e) {
            // closed
          }
        }
      });
      t.setDaemon(true);
      t.start();
      int admin = freePort();
      int tcp = freePort();
      String yaml = """
          admin:
            address: {socket_address: {address: 127.0.0.1, port_value: %d}}
          stats_flush_interval: 0.2s
          stats_sinks:
          - name: envoy.stat_sinks.wasm
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.stat_sinks.wasm.v3.Wasm
              config:
                name: c_stats_sink
                configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "tcp.echo.downstream_cx_total"}
                vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: "%s"}}}
          bootstrap_extensions:
          - name: envoy.bootstrap.wasm
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.wasm.v3.WasmService
              singleton: true
              config:
                name: c_service
                configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "service"}
                vm_config: {vm_id: svc, runtime: envoy.wasm.runtime.v8, code: {local: {filename: "%s"}}}
          static_resources:
            listeners:
            - name: tcp
              address: {socket_address: {address: 127.0.0.1, port_value: %d}}
              filter_chains:
              - filters:
                - name: envoy.filters.network.wasm
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
                    config:
                      name: c_tcp
                      vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: "%s"}}}
                - name: envoy.filters.network.tcp_proxy
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                    stat_prefix: echo
                    cluster: echo
            clusters:
            - name: echo
              connect_timeout: 1s
              type: STATIC
              load_assignment:
                cluster_name: echo
                endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
            - name: collector
              connect_timeout: 1s
              type: STATIC
              load_assignment:
                cluster_name: collector
                endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
          """.formatted(admin, plugin("c/c_stats_sink.wasm"), plugin("c/c_service.wasm"), tcp, plugin("c/c_tcp.wasm"),
          echo.getLocalPort(), admin);
      Path file = Files.createTempFile("bootstrap", ".yaml");
      Files.writeString(file, yaml);
      try (DataplaneProcess dp = DataplaneProcess.start("-c", file.toString(), "--concurrency", "2")) {
        dp.awaitReady(admin);
        for (int i = 0; i < 3; i++) {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", tcp), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("wasm\n".getBytes(StandardCharsets.UTF_8));
            byte[] buf = new byte[8];
            int got = 0;
            while (got < 8) {
              int n = s.getInputStream().read(buf, got, 8 - got);
              if (n < 0) {
                break;
              }
              got += n;
            }
            assertThat(new String(buf, 0, got, StandardCharsets.UTF_8)).isEqualTo("up:WASM\n");
          }
        }
        HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String stats = "";
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
          stats = h1.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/stats")).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          if (stat(stats, "c_stats_sink.tcp.echo.downstream_cx_total") == 3 && stat(stats, "c_service.ticks") > 2) {
            break;
          }
          Thread.sleep(100);
        }
        assertThat(stat(stats, "tcp.echo.downstream_cx_total")).as(stats).isEqualTo(3);
        assertThat(stat(stats, "c_stats_sink.tcp.echo.downstream_cx_total")).as("the sink's view").isEqualTo(3);
        assertThat(stat(stats, "c_tcp.connections")).isEqualTo(3);
        assertThat(stat(stats, "c_service.running_vms")).isEqualTo(1);
        assertThat(stat(stats, "c_service.ticks")).isGreaterThan(2);
        String dump = h1.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/config_dump")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(dump).contains("envoy.extensions.stat_sinks.wasm.v3.Wasm", "envoy.extensions.wasm.v3.WasmService",
            "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy");
      } finally {
        Files.deleteIfExists(file);
      }
    }
  }
}
