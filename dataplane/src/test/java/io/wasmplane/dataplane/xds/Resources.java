package io.wasmplane.dataplane.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import java.time.Duration;

/** Envoy v3 resources a control plane sends in these tests. */
final class Resources {
  private Resources() {}

  static ConfigSource ads() {
    return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3).build();
  }

  /** An api_config_source through the bootstrap's static cluster {@code xds_cluster}; GRPC or DELTA_GRPC. */
  static ConfigSource apiSource(String apiType) {
    return apiSource(apiType, "xds_cluster");
  }

  static ConfigSource apiSource(String apiType, String cluster) {
    return ConfigSource.newBuilder().setResourceApiVersion(ApiVersion.V3)
        .setApiConfigSource(io.envoyproxy.envoy.config.core.v3.ApiConfigSource.newBuilder()
            .setApiType(io.envoyproxy.envoy.config.core.v3.ApiConfigSource.ApiType.valueOf(apiType))
            .setTransportApiVersion(ApiVersion.V3)
            .addGrpcServices(io.envoyproxy.envoy.config.core.v3.GrpcService.newBuilder()
                .setEnvoyGrpc(io.envoyproxy.envoy.config.core.v3.GrpcService.EnvoyGrpc.newBuilder().setClusterName(cluster))))
        .build();
  }

  static HttpConnectionManager.Builder hcm(String routeName) {
    return hcm(routeName, ads());
  }

  static HttpConnectionManager.Builder hcm(String routeName, ConfigSource rdsSource) {
    return HttpConnectionManager.newBuilder().setStatPrefix("ingress")
        .setRds(Rds.newBuilder().setRouteConfigName(routeName).setConfigSource(rdsSource))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())));
  }

  static Listener listener(String name, int port, HttpConnectionManager.Builder hcm) {
    return Listener.newBuilder().setName(name)
        .setAddress(address(port))
        .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm.build()))))
        .build();
  }

  static Listener listener(String name, int port, String routeName) {
    return listener(name, port, hcm(routeName));
  }

  static RouteConfiguration route(String name, String cluster) {
    return RouteConfiguration.newBuilder().setName(name)
        .addVirtualHosts(VirtualHost.newBuilder().setName("all").addDomains("*")
            .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster(cluster))))
        .build();
  }

  static Cluster edsCluster(String name) {
    return edsCluster(name, ads());
  }

  static Cluster edsCluster(String name, ConfigSource edsSource) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
        .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(edsSource))
        .build();
  }

  static Cluster staticCluster(String name, int port) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
        .setLoadAssignment(endpoints(name, port))
        .build();
  }

  static ClusterLoadAssignment endpoints(String cluster, int... ports) {
    LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
    for (int p : ports) {
      l.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(p))));
    }
    return ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(l).build();
  }

  static Address address(int port) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)).build();
  }

  /** A data plane with one worker on {@link #bootstrap} (group "default") against the xDS server at xdsPort; 1 s drain. */
  static Dataplane startDataplane(String nodeId, int xdsPort, String apiType) {
    return startDataplane(bootstrap(nodeId, "default", xdsPort, apiType), Duration.ofSeconds(1));
  }

  /** A data plane with one worker on a bootstrap text. */
  static Dataplane startDataplane(String bootstrap, Duration drainTime) {
    return Dataplane.start(BootstrapLoader.fromText(bootstrap, "test bootstrap"),
        // IMMEDIATE, as Istio runs its proxies: a replaced listener's connections are all told at once (tests assert it).
        Dataplane.Options.defaults().withConcurrency(1).withDrainTime(drainTime)
            .withDrainStrategy(io.wasmplane.dataplane.server.DrainStrategy.IMMEDIATE));
  }

  /** A bootstrap with only node, admin, the xDS cluster and dynamic_resources. */
  static String bootstrap(String nodeId, String group, int xdsPort, String apiType) {
    return bootstrap(nodeId, group, xdsPort, apiType, "15s");
  }

  static String bootstrap(String nodeId, String group, int xdsPort, String apiType, String initialFetchTimeout) {
    return """
        node: {id: %s, cluster: test, metadata: {group: %s}}
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
        dynamic_resources:
          ads_config:
            api_type: %s
            transport_api_version: V3
            grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]
          lds_config: {ads: {}, resource_api_version: V3, initial_fetch_timeout: %s}
          cds_config: {ads: {}, resource_api_version: V3, initial_fetch_timeout: %s}
        static_resources:
          clusters:
        %s
        """.formatted(nodeId, group, apiType, initialFetchTimeout, initialFetchTimeout, xdsCluster(xdsPort));
  }

  /** No ADS: lds_config and cds_config each name the xDS cluster through their own api_config_source. */
  static String perTypeBootstrap(String nodeId, int xdsPort, String apiType) {
    return """
        node: {id: %s, cluster: test}
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
        dynamic_resources:
          lds_config:
            resource_api_version: V3
            api_config_source: {api_type: %s, transport_api_version: V3, grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]}
          cds_config:
            resource_api_version: V3
            api_config_source: {api_type: %s, transport_api_version: V3, grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]}
        static_resources:
          clusters:
        %s
        """.formatted(nodeId, apiType, apiType, xdsCluster(xdsPort));
  }

  /** The bootstrap's static xds_cluster (HTTP/2 to a loopback port) as an item of static_resources.clusters. */
  private static String xdsCluster(int port) {
    return """
          - name: xds_cluster
            type: STATIC
            connect_timeout: 1s
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: {http2_protocol_options: {}}
            load_assignment:
              cluster_name: xds_cluster
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]\
        """.formatted(port);
  }

  /** The control-plane-stub's /status page: what it served each node and the ACKs/NACKs it got back. */
  static String stubStatus(io.wasmplane.controlplane.ControlPlane stub) throws Exception {
    return io.wasmplane.dataplane.testing.Http.get(io.wasmplane.dataplane.testing.Http.h1(),
        "http://127.0.0.1:" + stub.httpPort() + "/status").body();
  }

  /** How {@code n} sequential GETs to the listener on {@code port} spread over upstreams, by their x-upstream-name. */
  static java.util.Map<String, Long> split(java.net.http.HttpClient client, int port, int n) throws Exception {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    for (int i = 0; i < n; i++) {
      out.merge(io.wasmplane.dataplane.testing.Http.get(client, "http://127.0.0.1:" + port + "/").headers()
          .firstValue("x-upstream-name").orElse("none"), 1L, Long::sum);
    }
    return out;
  }

  /** A counter or gauge as the admin /stats page shows it. */
  static long stat(java.net.http.HttpClient client, io.wasmplane.dataplane.Dataplane d, String name) throws Exception {
    String body = io.wasmplane.dataplane.testing.Http.get(client, "http://127.0.0.1:" + d.adminPort() + "/stats").body();
    return body.lines().filter(l -> l.startsWith(name + ": ")).mapToLong(l -> Long.parseLong(l.substring(name.length() + 2)))
        .findFirst().orElseThrow(() -> new AssertionError("no stat " + name));
  }
}
