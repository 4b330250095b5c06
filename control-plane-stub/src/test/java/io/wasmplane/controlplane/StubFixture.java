package io.wasmplane.controlplane;

import io.wasmplane.controlplane.config.Sha256;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/** A running control plane over a rollout file in a temp directory, with module files beside it. */
final class StubFixture implements AutoCloseable {
  /** Two listeners (HTTP with RDS, TCP), an EDS cluster, and three plugins: a canary, a JSON-configured one, an L4. */
  static final String BASE_YAML = """
      moduleServer: { cluster: wasm_modules, timeout: 3s, numRetries: 2 }
      plugins:
        - name: auth
          phase: AUTHN
          rootId: auth_root
          vmId: vm_auth
          failStrategy: FAIL_OPEN
          env: [ { name: MODE, value: strict }, { name: HOME, valueFrom: HOST } ]
          version: v1
          module: auth_v1.wasm
          pluginConfig: "mode=v1"
          rollout:
            versions:
              - version: v2
                module: auth_v2.wasm
                pluginConfig: "mode=v2"
                selector: { metadata: { canary: "true" } }
        - name: stats
          phase: STATS
          priority: 5
          listeners: [http_in]
          failStrategy: FAIL_RELOAD
          module: stats.wasm
          pluginConfig: { key: 1, nested: { x: true }, name: "s" }
        - name: l4
          type: NETWORK
          listeners: [tcp_in]
          selector: { clusters: [edge] }
          module: l4.wasm
      listeners:
        - name: http_in
          address: { socketAddress: { address: 127.0.0.1, portValue: 10000 } }
          filterChains:
            - filters:
                - name: envoy.filters.network.http_connection_manager
                  typedConfig:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                    statPrefix: http_in
                    rds: { routeConfigName: r1, configSource: { ads: {}, resourceApiVersion: V3 } }
                    httpFilters:
                      - name: envoy.filters.http.router
                        typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        - name: tcp_in
          address: { socketAddress: { address: 127.0.0.1, portValue: 10001 } }
          filterChains:
            - filters:
                - name: envoy.filters.network.tcp_proxy
                  typedConfig:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                    statPrefix: tcp_in
                    cluster: up
      routes:
        - name: r1
          virtualHosts: [ { name: all, domains: ["*"], routes: [ { match: { prefix: / }, route: { cluster: up } } ] } ]
      clusters:
        - name: up
          type: EDS
          connectTimeout: 1s
          edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: V3 } }
      endpoints:
        - clusterName: up
          endpoints: [ { lbEndpoints: [ { endpoint: { address: { socketAddress: { address: 127.0.0.1, portValue: 18081 } } } } ] } ]
      """;

  final Path dir;
  final Path file;
  final ControlPlane cp;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  StubFixture(String yaml) throws Exception {
    dir = Files.createTempDirectory("cp-stub-test");
    for (String m : new String[] {"auth_v1", "auth_v2", "stats", "l4"}) {
      writeModule(m + ".wasm", m);
    }
    file = dir.resolve("rollout.yaml");
    Files.writeString(file, yaml);
    cp = ControlPlane.start(new ControlPlane.Options(file, "127.0.0.1", 0, 0, Duration.ofMillis(100)));
  }

  StubFixture() throws Exception {
    this(BASE_YAML);
  }

  String writeModule(String fileName, String label) throws IOException {
    byte[] bytes = TestModules.module(label);
    Files.write(dir.resolve(fileName), bytes);
    return Sha256.hex(bytes);
  }

  String sha(String fileName) throws IOException {
    return Sha256.hex(Files.readAllBytes(dir.resolve(fileName)));
  }

  /** Replaces the file atomically (as editors that write a temp file and rename do). */
  void rewrite(String yaml) throws IOException {
    Path tmp = dir.resolve("rollout.yaml.tmp");
    Files.writeString(tmp, yaml, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  HttpResponse<byte[]> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<byte[]> fetch(String uri) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Override
  public void close() throws IOException {
    cp.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
