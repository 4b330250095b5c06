package io.wasmplane.integration.xds;

import static io.wasmplane.integration.Ports.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
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
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.wasmplane.integration.DataplaneProcess;
import io.wasmplane.integration.EchoUpstream;
import io.wasmplane.integration.XdsCluster;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged data plane process, started from a bootstrap with only node, admin, the xDS cluster and
 * dynamic_resources, driven by java-control-plane (grouping by node cluster, which comes from --service-cluster):
 * it comes up empty, serves what arrives, NACKs a broken route and keeps serving.
 */
class XdsProcessTest {
  private static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void packagedProcessIsDrivenByJavaControlPlane(String apiType) throws Exception {
    SimpleCache<String> cache = new SimpleCache<>(node -> node.getCluster());
    List<String> nacks = new CopyOnWriteArrayList<>();
    V3DiscoveryServer discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest r) {
        if (r.hasErrorDetail()) {
          nacks.add(r.getTypeUrl() + ": " + r.getErrorDetail().getMessage());
        }
      }

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest r) {
        if (r.hasErrorDetail()) {
          nacks.add(r.getTypeUrl() + ": " + r.getErrorDetail().getMessage());
        }
      }
    }, cache);
    Server cp = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(discovery.getAggregatedDiscoveryServiceImpl()).build().start();
    int admin = freePort();
    int listenerPort = freePort();
    Path bootstrap = Files.createTempFile("xds-bootstrap", ".yaml");
    Files.writeString(bootstrap, """
        node: {id: from-file, cluster: from-file}
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        dynamic_resources:
          ads_config: {api_type: %s, transport_api_version: V3, grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]}
          lds_config: {ads: {}, resource_api_version: V3, initial_fetch_timeout: 1s}
          cds_config: {ads: {}, resource_api_version: V3, initial_fetch_timeout: 1s}
        static_resources:
          clusters:
        %s
        """.formatted(admin, apiType, XdsCluster.yaml(cp.getPort())));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    try (EchoUpstream up = new EchoUpstream();
        DataplaneProcess dp = DataplaneProcess.start("-c", bootstrap.toString(), "--concurrency", "1",
            "--service-node", "dp-1", "--service-cluster", "blue")) {
      // Nothing for this node yet: LIVE once the initial CDS, then LDS fetch timed out (1 s each), as Envoy.
      dp.awaitReady(admin);
      assertThat(get(http, "http://127.0.0.1:" + admin + "/listeners").body()).doesNotContain("l1");

      cache.setSnapshot("blue", Snapshot.create(List.of(edsCluster("c1")), List.of(endpoints("c1", up.port())),
          List.of(listener("l1", listenerPort, "r1")), List.of(route("r1", "c1", "/")), List.of(), "v1"));
      await(() -> body(http, listenerPort, "/hello").equals("upstream saw GET /hello"), dp);

      // A route to a cluster nobody declared: NACKed with the resource and the cause; v1 keeps serving.
      cache.setSnapshot("blue", Snapshot.create(List.of(edsCluster("c1")), List.of(endpoints("c1", up.port())),
          List.of(listener("l1", listenerPort, "r1")), List.of(route("r1", "missing", "/")), List.of(), "v2"));
      await(() -> nacks.stream().anyMatch(n -> n.startsWith(RDS) && n.contains("rds 'r1'") && n.contains("missing")), dp);
      assertThat(body(http, listenerPort, "/still")).isEqualTo("upstream saw GET /still");
      String stats = get(http, "http://127.0.0.1:" + admin + "/stats").body();
      assertThat(stats).contains("control_plane.connected_state: 1").contains("http.ingress.rds.r1.update_rejected: ");
    } finally {
      cp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      Files.deleteIfExists(bootstrap);
    }
  }

  private static String body(HttpClient http, int port, String path) {
    try {
      return get(http, "http://127.0.0.1:" + port + path).body();
    } catch (Exception e) {
      return "";
    }
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void await(Callable<Boolean> condition, DataplaneProcess dp) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (Boolean.TRUE.equals(condition.call())) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out; data plane output:\n" + dp.output());
  }

  private static ConfigSource ads() {
    return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).setResourceApiVersion(ApiVersion.V3).build();
  }

  private static Address address(int port) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)).build();
  }

  private static Cluster edsCluster(String name) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
        .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads())).build();
  }

  private static ClusterLoadAssignment endpoints(String cluster, int port) {
    return ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(LocalityLbEndpoints.newBuilder()
        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(port))))).build();
  }

  private static Listener listener(String name, int port, String routeName) {
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("ingress")
        .setRds(Rds.newBuilder().setRouteConfigName(routeName).setConfigSource(ads()))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return Listener.newBuilder().setName(name).setAddress(address(port))
        .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm)))).build();
  }

  private static RouteConfiguration route(String name, String cluster, String prefix) {
    return RouteConfiguration.newBuilder().setName(name).addVirtualHosts(VirtualHost.newBuilder().setName("all").addDomains("*")
        .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix(prefix))
            .setRoute(RouteAction.newBuilder().setCluster(cluster)))).build();
  }
}
