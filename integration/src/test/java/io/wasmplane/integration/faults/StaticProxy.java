package io.wasmplane.integration.faults;

import io.wasmplane.integration.DataplaneProcess;
import io.wasmplane.integration.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The packaged data plane from a static bootstrap in front of a {@link FaultyUpstream}: one listener ({@code
 * ingress}, stats {@code http.ingress.*}) with the as_headers Wasm filter and a file access log (method, path,
 * protocol, code, response flags), routes {@code /dead} to a port nobody listens on, {@code /slow/} to cluster
 * {@code upstream} with a 10 s route timeout and everything else there with a 1 s one.
 */
final class StaticProxy implements AutoCloseable {
  final FaultyUpstream upstream;
  final DataplaneProcess dataplane;
  final int admin;
  final int listener;
  final Path accessLog;
  private final Path bootstrap;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  StaticProxy(int drainSeconds) throws Exception {
    upstream = new FaultyUpstream();
    admin = Ports.freePort();
    listener = Ports.freePort();
    accessLog = Files.createTempFile("access", ".log");
    Path plugin = DataplaneProcess.repoRoot().resolve(System.getProperty("wasmplane.plugins.dir", "plugins/build"))
        .resolve("assemblyscript/as_headers.wasm");
    bootstrap = Files.createTempFile("static-faults", ".yaml");
    Files.writeString(bootstrap, """
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        static_resources:
          listeners:
          - name: ingress
            address: {socket_address: {address: 127.0.0.1, port_value: %d}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: %s
                      log_format: {text_format: "%%REQ(:METHOD)%% %%REQ(:PATH)%% %%PROTOCOL%% %%RESPONSE_CODE%% %%RESPONSE_FLAGS%%\\n"}
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - {match: {prefix: /dead}, route: {cluster: dead}}
                      - {match: {prefix: /slow/}, route: {cluster: upstream, timeout: 10s}}
                      - {match: {prefix: /}, route: {cluster: upstream, timeout: 1s}}
                  http_filters:
                  - name: envoy.filters.http.wasm
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                      config:
                        name: stamp
                        root_id: as_headers
                        configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "stamp=static"}
                        vm_config: {vm_id: stamp_vm, runtime: envoy.wasm.runtime.v8, code: {local: {filename: %s}}}
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
          clusters:
          - name: upstream
            connect_timeout: 1s
            type: STATIC
            load_assignment: {cluster_name: upstream, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]}
          - name: dead
            connect_timeout: 1s
            type: STATIC
            load_assignment: {cluster_name: dead, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]}
        """.formatted(admin, listener, accessLog, plugin, upstream.port(), Ports.freePort()));
    dataplane = DataplaneProcess.start(List.of("-Xmx256m"), Map.of(), "-c", bootstrap.toString(), "--concurrency", "2",
        "--drain-time-s", "" + drainSeconds);
    dataplane.awaitReady(admin);
  }

  Map<String, Long> stats() throws IOException, InterruptedException {
    Map<String, Long> out = new TreeMap<>();
    String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/stats")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    for (String line : body.split("\n")) {
      int colon = line.lastIndexOf(": ");
      if (colon > 0) {
        try {
          out.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 2).trim()));
        } catch (NumberFormatException histogram) {
          // not a plain number
        }
      }
    }
    return out;
  }

  String clusters() throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/clusters")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /**
   * One HTTP/1.1 request on its own connection ({@code connection: close}), read to the end: the whole response as
   * text, or what arrived before the proxy reset or closed the connection, prefixed with "RESET after: ".
   */
  String rawGet(String path, int timeoutMillis) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener)) {
      s.setSoTimeout(timeoutMillis);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nhost: faults\r\nconnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder got = new StringBuilder();
      byte[] buf = new byte[4096];
      try {
        int n;
        while ((n = in.read(buf)) != -1) {
          got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
      } catch (java.net.SocketException reset) {
        return "RESET after: " + got;
      }
      return got.toString();
    }
  }

  List<String> accessLog() throws IOException {
    return Files.readAllLines(accessLog);
  }

  @Override
  public void close() throws Exception {
    try {
      dataplane.close();
    } finally {
      upstream.close();
      Files.deleteIfExists(bootstrap);
      Files.deleteIfExists(accessLog);
    }
  }
}
