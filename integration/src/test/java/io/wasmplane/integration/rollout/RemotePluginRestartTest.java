package io.wasmplane.integration.rollout;

import static io.wasmplane.integration.Ports.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged data plane with a Wasm filter whose code is remote (http_uri through a STATIC cluster, pinned by
 * sha256) and its on-disk code cache ({@code WASMPLANE_WASM_CACHE_DIR}): the first process fetches the module, a
 * restarted process with the same cache directory serves the plugin without fetching anything.
 */
@Timeout(240)
class RemotePluginRestartTest {

  private static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("dataplane/pom.xml"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find the repository root");
    }
    return p;
  }

  /** java -jar dataplane.jar (or the test class path) with the cache directory in the environment. */
  private static Process start(Path bootstrap, Path cacheDir, Path out) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path jar = repoRoot().resolve("dataplane/target/dataplane.jar");
    if (Files.isRegularFile(jar)) {
      cmd.addAll(List.of("-jar", jar.toString()));
    } else {
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.wasmplane.dataplane.Main"));
    }
    cmd.addAll(List.of("-c", bootstrap.toString(), "--concurrency", "2", "-l", "info"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("WASMPLANE_WASM_CACHE_DIR", cacheDir.toString());
    return pb.start();
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitReady(Process p, int admin, Path out) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("data plane exited with " + p.exitValue() + ":\n" + Files.readString(out));
      }
      try {
        if (get("http://127.0.0.1:" + admin + "/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("data plane not ready in 60 s:\n" + Files.readString(out));
  }

  @Test
  void aRestartWithTheSameCacheDirectoryFetchesNothing() throws Exception {
    Path plugin = repoRoot().resolve(System.getProperty("wasmplane.plugins.dir", "plugins/build")).resolve("assemblyscript/as_config_echo.wasm");
    assertThat(plugin).as("run plugins/build.sh first").isRegularFile();
    byte[] module = Files.readAllBytes(plugin);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(module));
    AtomicInteger fetches = new AtomicInteger();
    HttpServer modules = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    modules.createContext("/echo.wasm", ex -> {
      fetches.incrementAndGet();
      ex.sendResponseHeaders(200, module.length);
      ex.getResponseBody().write(module);
      ex.close();
    });
    modules.start();
    HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    backend.createContext("/", ex -> {
      byte[] b = "backend".getBytes();
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    backend.start();
    Path cacheDir = Files.createTempDirectory("wasm-cache");
    int admin = freePort();
    int listener = freePort();
    String yaml = """
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: %d}}
        static_resources:
          listeners:
          - name: ingress
            address: {socket_address: {address: 127.0.0.1, port_value: %d}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress_http
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes: [{match: {prefix: "/"}, route: {cluster: backend}}]
                  http_filters:
                  - name: envoy.filters.http.wasm
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                      config:
                        name: echo
                        root_id: as_config_echo
                        configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: remote-module}
                        vm_config:
                          vm_id: echo_vm
                          runtime: envoy.wasm.runtime.v8
                          code:
                            remote:
                              http_uri: {uri: "http://127.0.0.1:%d/echo.wasm", cluster: modules, timeout: 5s}
                              sha256: "%s"
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
          clusters:
          - name: backend
            connect_timeout: 1s
            type: STATIC
            load_assignment: {cluster_name: backend, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]}
          - name: modules
            connect_timeout: 1s
            type: STATIC
            load_assignment: {cluster_name: modules, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]}
        """.formatted(admin, listener, modules.getAddress().getPort(), sha, backend.getAddress().getPort(), modules.getAddress().getPort());
    Path bootstrap = Files.createTempFile("remote-wasm", ".yaml");
    Files.writeString(bootstrap, yaml);
    Path out = Files.createTempFile("dataplane", ".out");
    try {
      for (int run = 1; run <= 2; run++) {
        Process p = start(bootstrap, cacheDir, out);
        try {
          awaitReady(p, admin, out);
          HttpResponse<String> r = get("http://127.0.0.1:" + listener + "/x");
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.headers().allValues("x-config")).containsExactly("remote-module");
          String stats = get("http://127.0.0.1:" + admin + "/stats").body();
          if (run == 1) {
            assertThat(stats).contains("wasm.remote_load_fetch_successes: 1\n").contains("wasm.remote_load_cache_misses: 1\n");
          } else {
            assertThat(stats).contains("wasm.remote_load_cache_hits: 1\n").contains("wasm.remote_load_fetch_successes: 0\n");
          }
        } finally {
          p.destroy(); // SIGTERM: drain and exit
          if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          }
        }
      }
      assertThat(fetches.get()).as("only the first process fetched").isEqualTo(1);
      assertThat(cacheDir.resolve("modules").resolve(sha + ".wasm")).isRegularFile();
    } finally {
      modules.stop(0);
      backend.stop(0);
      Files.deleteIfExists(out);
    }
  }
}
