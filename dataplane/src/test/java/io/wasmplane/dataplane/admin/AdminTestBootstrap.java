package io.wasmplane.dataplane.admin;

import io.wasmplane.dataplane.server.DrainStrategy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A data plane for the admin tests: listener "inbound" ({@code traffic_direction: INBOUND}) and listener "outbound"
 * ({@code OUTBOUND}, {@code drain_type: MODIFY_ONLY}), both routing to cluster "up"; plus any listener YAML given.
 */
final class AdminTestBootstrap {
  private AdminTestBootstrap() {}

  static Dataplane start(int upstreamPort, Duration drainTime, String extraListeners) {
    return start(upstreamPort, drainTime, extraListeners, "");
  }

  /** The same with more clusters (YAML list items at the clusters' indentation). */
  static Dataplane start(int upstreamPort, Duration drainTime, String extraListeners, String extraClusters) {
    return start(upstreamPort, drainTime, DrainStrategy.IMMEDIATE, extraListeners, extraClusters);
  }

  /**
   * With a drain strategy (the other starts use IMMEDIATE, as Istio runs its proxies: every connection of a draining
   * listener is asked to close at once, which the drain tests assert).
   */
  static Dataplane start(int upstreamPort, Duration drainTime, DrainStrategy strategy, String extraListeners, String extraClusters) {
    String yaml = """
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
        %s
        %s
        %s
          clusters:
        %s
        %s
        """.formatted(listener("inbound", "traffic_direction: INBOUND"),
        listener("outbound", "traffic_direction: OUTBOUND\ndrain_type: MODIFY_ONLY"),
        Bootstraps.indent(extraListeners, 2), Bootstraps.staticCluster("up", upstreamPort, null), extraClusters);
    return Dataplane.start(BootstrapLoader.fromText(yaml, "admin test bootstrap"),
        Dataplane.Options.defaults().withConcurrency(2).withDrainTime(drainTime).withDrainStrategy(strategy));
  }

  /** An HTTP listener on 127.0.0.1:0 named {@code name} with {@code extra} listener fields, routing to "up". */
  static String listener(String name, String extra) {
    return listener(name, extra, null);
  }

  /** The same with {@code chainExtra} filter chain fields (e.g. a transport_socket). */
  static String listener(String name, String extra, String chainExtra) {
    return Bootstraps.indent("""
        - name: %s
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        %s
          filter_chains:
          - %s
            filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: %s
                route_config:
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: {prefix: "/"}
                      route: {cluster: up}
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """.formatted(name, Bootstraps.indent(extra, 2), chainExtra == null ? "name: chain" : Bootstraps.indent(chainExtra, 4).strip(),
        name), 2);
  }

  static HttpResponse<String> admin(Dataplane dp, String method, String path) throws Exception {
    return Http.h1().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.adminPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }
}
