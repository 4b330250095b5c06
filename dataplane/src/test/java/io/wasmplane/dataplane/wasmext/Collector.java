package io.wasmplane.dataplane.wasmext;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A real loopback HTTP server for these tests: the upstream of the proxied requests (GET: 201 "hello", header
 * x-up: yes, after {@code delayMs}) and the place plugins ship lines to (POST: the body is recorded).
 */
final class Collector implements AutoCloseable {
  final List<String> posted = new CopyOnWriteArrayList<>();
  final List<String> paths = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  Collector(long delayMs) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "collector");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      paths.add(ex.getRequestMethod() + " " + ex.getRequestURI());
      if (ex.getRequestMethod().equals("POST")) {
        posted.add(new String(body, StandardCharsets.UTF_8));
        ex.sendResponseHeaders(204, -1);
        ex.close();
        return;
      }
      try {
        Thread.sleep(delayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] out = "hello".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("x-up", "yes");
      ex.sendResponseHeaders(201, out.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(out);
      }
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Polls (bounded) until the condition holds. */
  static boolean await(java.util.function.BooleanSupplier condition, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }

  static String plugin(String name) {
    java.nio.file.Path p = java.nio.file.Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "c", name + ".wasm");
    if (!java.nio.file.Files.isRegularFile(p)) {
      throw new IllegalStateException(p + " is missing: run plugins/build.sh");
    }
    return p.toAbsolutePath().toString();
  }

  static String cluster(String name, int port) {
    return """
          - name: %s
            connect_timeout: 1s
            type: STATIC
            load_assignment:
              cluster_name: %s
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
        """.formatted(name, name, port);
  }

  /** An HCM listener "ingress" routing /hello to cluster "up", with extra YAML for access_log and http_filters. */
  static String listener(String accessLogs, String httpFilters) {
    return """
          - name: ingress
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress_http
                  access_log:
        %s
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/hello"}
                        route: {cluster: up}
                  http_filters:
        %s
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        """.formatted(accessLogs, httpFilters);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
