package io.wasmplane.integration.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The control-plane-stub's rollout file for the fault and soak runs: two listeners ({@code l_a}, {@code l_b}) over
 * one RDS route to an EDS cluster {@code upstream} (route timeout 2 s), and three plugins: {@code stamp}
 * (as_headers, both listeners), {@code tag} (c_bench, l_a) and {@code bench} (c_bench, l_b). Each plugin has
 * a version label, a module file (in this file's directory) and a configuration; {@link #write} saves atomically.
 */
public final class RolloutFile {
  /** One plugin's current release. */
  public record Release(String label, String moduleFile, String config) {}

  private final Path file;
  private final int moduleServerPort;
  private final int listenerA;
  private final int listenerB;
  private volatile int upstreamPort;
  private final Map<String, Release> releases = new LinkedHashMap<>();

  public RolloutFile(Path file, int moduleServerPort, int listenerA, int listenerB, int upstreamPort) {
    this.file = file;
    this.moduleServerPort = moduleServerPort;
    this.listenerA = listenerA;
    this.listenerB = listenerB;
    this.upstreamPort = upstreamPort;
  }

  public Path path() {
    return file;
  }

  public Path dir() {
    return file.getParent();
  }

  public synchronized RolloutFile release(String plugin, Release r) {
    releases.put(plugin, r);
    return this;
  }

  public synchronized Release release(String plugin) {
    return releases.get(plugin);
  }

  public RolloutFile upstreamPort(int port) {
    upstreamPort = port;
    return this;
  }

  public synchronized void write() throws IOException {
    StringBuilder y = new StringBuilder();
    y.append("moduleServer: {cluster: wasm_modules, baseUrl: \"http://127.0.0.1:").append(moduleServerPort)
        .append("\", timeout: 2s, numRetries: 1}\nplugins:\n");
    plugin(y, "stamp", "as_headers", "[l_a, l_b]");
    plugin(y, "tag", "c_bench", "[l_a]");
    plugin(y, "bench", "c_bench", "[l_b]");
    y.append("""
        listeners:
        %s
        %s
        routes:
        - name: r_main
          virtualHosts:
          - name: all
            domains: ["*"]
            routes:
            - match: {prefix: /}
              route: {cluster: upstream, timeout: 2s}
        clusters:
        - {name: upstream, type: EDS, connectTimeout: 1s, edsClusterConfig: {edsConfig: {ads: {}, resourceApiVersion: V3}}}
        endpoints:
        - clusterName: upstream
          endpoints: [{lbEndpoints: [{endpoint: {address: {socketAddress: {address: 127.0.0.1, portValue: %d}}}}]}]
        """.formatted(listener("l_a", listenerA), listener("l_b", listenerB), upstreamPort));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, y.toString());
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private void plugin(StringBuilder y, String name, String rootId, String listeners) {
    Release r = releases.get(name);
    if (r == null) {
      return;
    }
    y.append("- {name: ").append(name).append(", type: HTTP, phase: STATS, listeners: ").append(listeners)
        .append(", rootId: ").append(rootId).append(", vmId: ").append(name).append("_vm, failStrategy: FAIL_CLOSE")
        .append(", version: ").append(r.label()).append(", module: ").append(r.moduleFile())
        .append(", pluginConfig: \"").append(r.config()).append("\"}\n");
  }

  private static String listener(String name, int port) {
    return """
        - name: %s
          address: {socketAddress: {address: 127.0.0.1, portValue: %d}}
          filterChains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typedConfig:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                statPrefix: %s
                rds: {routeConfigName: r_main, configSource: {ads: {}, resourceApiVersion: V3}}
                httpFilters:
                - name: envoy.filters.http.router
                  typedConfig: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        """.formatted(name, port, name).stripTrailing().indent(0).stripTrailing();
  }
}
