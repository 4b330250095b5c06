package io.wasmplane.dataplane.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawHttp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.network.wasm in front of the HTTP connection manager: the plugin (plugins/c/c_tcp.c) sees the raw
 * connection bytes before the HTTP codec (it upper-cases the request, so a lower-case request line becomes a valid
 * upper-case one routed by the upper-case path) and the raw response bytes after it (prefixed with "up:").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class NetworkWasmBeforeHcmTest {
  private HttpServer upstream;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    upstream.createContext("/", ex -> {
      seen.add(ex.getRequestURI() + " host=" + ex.getRequestHeaders().getFirst("Host"));
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    upstream.start();
    Path plugin = Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "c/c_tcp.wasm").toAbsolutePath();
    dp = Bootstraps.start("""
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
          - name: http
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.wasm
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
                  config:
                    name: c_tcp
                    vm_config:
                      runtime: envoy.wasm.runtime.v8
                      code: {local: {filename: "%s"}}
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress_http
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/HELLO"}
                        route: {cluster: up}
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
          clusters:
        %s
        """.formatted(plugin, Bootstraps.staticCluster("up", upstream.getAddress().getPort(), null)));
  }

  @AfterAll
  void stop() {
    if (dp != null) {
      dp.close();
    }
    upstream.stop(0);
  }

  @Test
  void thePluginRewritesTheRawBytesAroundTheHttpCodec() throws Exception {
    String response = RawHttp.exchange(dp.port("http"), "get /hello?q=a http/1.1\r\nhost: example\r\nconnection: close\r\n\r\n", 5000);
    assertThat(seen).containsExactly("/HELLO?Q=A host=EXAMPLE");
    assertThat(response).startsWith("up:HTTP/1.1 200 OK\r\n");
    assertThat(response).endsWith("ok");
  }
}
