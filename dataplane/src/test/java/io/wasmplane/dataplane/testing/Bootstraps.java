package io.wasmplane.dataplane.testing;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import java.nio.file.Path;
import java.time.Duration;

/** Bootstrap YAML for tests: listeners on port 0, clusters pointing at test upstreams. */
public final class Bootstraps {
  private Bootstraps() {}

  public static Dataplane start(String yaml) {
    return Dataplane.start(BootstrapLoader.fromText(yaml, "test bootstrap"),
        Dataplane.Options.defaults().withConcurrency(2).withDrainTime(Duration.ofSeconds(5)));
  }

  /** One virtual host for every domain whose one route sends every path to cluster "c". */
  public static final String ALL_TO_C = """
      - name: all
        domains: ["*"]
        routes:
        - match: {prefix: "/"}
          route: {cluster: c}
      """;

  public static String staticCluster(String name, int port, String extra) {
    return """
          - name: %s
            connect_timeout: 1s
            type: STATIC
        %s
            load_assignment:
              cluster_name: %s
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
        """.formatted(name, indent(extra, 4), name, port);
  }

  /** A bootstrap with admin, one listener "ingress" with the given routes/HCM extras, and the given clusters. */
  public static String bootstrap(String routes, String hcmExtra, String clusters, Path accessLog, String listenerExtra) {
    return withRouteConfig("name: local_route\nvirtual_hosts:\n" + routes.stripIndent(), hcmExtra, clusters, accessLog, listenerExtra);
  }

  /** The same with a whole RouteConfiguration (its name, virtual_hosts and route-configuration-level fields). */
  public static String withRouteConfig(String routeConfig, String hcmExtra, String clusters, Path accessLog, String listenerExtra) {
    return withRouteConfig(routeConfig, hcmExtra, clusters, accessLog, listenerExtra, null);
  }

  /** The same with {@code httpFilters} (http_filters list entries, unindented) before the router. */
  public static String withRouteConfig(String routeConfig, String hcmExtra, String clusters, Path accessLog, String listenerExtra,
      String httpFilters) {
    String hcm = """
        %s
        access_log:
        - name: envoy.access_loggers.file
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
            path: @ACCESS_LOG@
        route_config:
        %s
        http_filters:
        %s
        - name: envoy.filters.http.router
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """.formatted(indent(hcmExtra, 0), indent(routeConfig, 2), indent(httpFilters, 0));
    // The path goes in after indenting: some tests append lines to it at the final indentation.
    return hcmListener(hcm, listenerExtra, clusters).replace("@ACCESS_LOG@", accessLog.toString());
  }

  /**
   * A bootstrap with admin, one listener "ingress" whose one chain is an HTTP connection manager (stat_prefix
   * ingress_http) with the fields {@code hcmFields} (unindented YAML: route_config, http_filters, access_log...), the
   * listener-level {@code listenerExtra}, and the given clusters.
   */
  public static String hcmListener(String hcmFields, String listenerExtra, String clusters) {
    return """
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
          - name: ingress
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress_http
        %s
        %s
          clusters:
        %s
        """.formatted(indent(hcmFields, 10), indent(listenerExtra, 6), clusters);
  }

  /**
   * A listener entry (port 0) whose one chain runs the network filter {@code filter} (typed_config of type
   * {@code type}: stat_prefix the listener's name, then {@code fields}, unindented) before {@code terminal} (filter
   * entries as {@link #HCM_TO_WEB} or {@link #tcpProxyTo} write them; LISTENER in it becomes the name);
   * {@code listenerExtra}: listener-level fields. Indent it under {@code listeners:} with {@link #indent}.
   */
  public static String networkFilterListener(String name, String filter, String type, String fields, String terminal,
      String listenerExtra) {
    return """
        - name: %1$s
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        %6$s
          filter_chains:
          - filters:
            - name: %2$s
              typed_config:
                "@type": type.googleapis.com/%3$s
                stat_prefix: %1$s
        %4$s
        %5$s
        """.formatted(name, filter, type, indent(fields, 8), terminal.replace("LISTENER", name), indent(listenerExtra, 2));
  }

  /** A terminal HCM (stat_prefix web) sending every request to cluster "web", for {@link #networkFilterListener}. */
  public static final String HCM_TO_WEB = """
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: web
                route_config:
                  virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: web}}]}]
                http_filters:
                - name: envoy.filters.http.router
                  typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        """;

  /** A terminal tcp_proxy (stat_prefix LISTENER_proxy) to {@code cluster}, for {@link #networkFilterListener}. */
  public static String tcpProxyTo(String cluster) {
    return """
            - name: envoy.filters.network.tcp_proxy
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                stat_prefix: LISTENER_proxy
                cluster: %s
        """.formatted(cluster);
  }

  public static String indent(String s, int n) {
    if (s == null || s.isBlank()) {
      return "";
    }
    return s.stripIndent().lines().map(l -> " ".repeat(n) + l).reduce((a, b) -> a + "\n" + b).orElse("");
  }
}
