package io.wasmplane.xds;

import static io.wasmplane.xds.TestResources.endpoints;
import static io.wasmplane.xds.TestResources.listener;
import static io.wasmplane.xds.TestResources.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.wasmplane.xds.resource.ClusterResource;
import io.wasmplane.xds.resource.ClusterUpdate;
import io.wasmplane.xds.resource.EndpointResource;
import io.wasmplane.xds.resource.EndpointUpdate;
import io.wasmplane.xds.resource.ListenerResource;
import io.wasmplane.xds.resource.ListenerUpdate;
import io.wasmplane.xds.resource.RouteConfigurationResource;
import io.wasmplane.xds.resource.RouteConfigurationUpdate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code api_config_source} subscriptions: one connection per control plane and one stream per type on it, against
 * java-control-plane's per-type services (ListenerDiscoveryService, ClusterDiscoveryService, ...), SotW and delta;
 * config sources found in resources (rds.config_source, eds_config) resolved and followed; ADS and a per-type server
 * side by side.
 */
class PerTypeStreamsTest {
  JavaControlPlane cp;
  JavaControlPlane other;

  @BeforeEach
  void start() throws Exception {
    cp = new JavaControlPlane(node -> "default").start(0);
    other = new JavaControlPlane(node -> "default").start(0);
  }

  @AfterEach
  void stop() throws Exception {
    cp.close();
    other.close();
  }

  static ConfigSource apiSource(int port, XdsProtocol protocol) {
    return ConfigSource.newBuilder().setResourceApiVersion(ApiVersion.V3)
        .setApiConfigSource(ApiConfigSource.newBuilder()
            .setApiType(protocol == XdsProtocol.DELTA ? ApiConfigSource.ApiType.DELTA_GRPC : ApiConfigSource.ApiType.GRPC)
            .setTransportApiVersion(ApiVersion.V3)
            .addGrpcServices(GrpcService.newBuilder().setGoogleGrpc(GrpcService.GoogleGrpc.newBuilder()
                .setTargetUri("127.0.0.1:" + port).setStatPrefix("xds"))))
        .build();
  }

  static Listener listenerWithRdsFrom(String name, String routeName, ConfigSource rdsSource) {
    HttpConnectionManager hcm = TestResources.hcm(routeName).toBuilder()
        .setRds(Rds.newBuilder().setRouteConfigName(routeName).setConfigSource(rdsSource)).build();
    return listener(name, 8001, hcm);
  }

  static Cluster edsClusterFrom(String name, ConfigSource edsSource) {
    return TestResources.edsCluster(name).toBuilder()
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(edsSource)).build();
  }

  /** What the data plane does: follow the config sources the resources name. */
  static final class Follower {
    final RecordingWatcher<RouteConfigurationUpdate> routes = new RecordingWatcher<>();
    final RecordingWatcher<EndpointUpdate> endpoints = new RecordingWatcher<>();
    final RecordingWatcher<ListenerUpdate> listeners = new RecordingWatcher<>();
    volatile String rejectListenersWith;

    void attach(XdsClient client) {
      client.watchAll(ClusterResource.INSTANCE, new ResourceWatcher<ClusterUpdate>() {
        @Override
        public CompletionStage<Optional<String>> onChanged(ClusterUpdate update) {
          XdsSource source = client.resolve(update.edsConfigSource().orElseThrow(), "eds_cluster_config.eds_config");
          client.watch(EndpointResource.INSTANCE, update.edsServiceName().orElseThrow(), source, endpoints);
          return ResourceWatcher.accept();
        }
      });
      client.watchAll(ListenerResource.INSTANCE, new ResourceWatcher<ListenerUpdate>() {
        @Override
        public CompletionStage<Optional<String>> onChanged(ListenerUpdate update) {
          if (rejectListenersWith != null) {
            return ResourceWatcher.reject(rejectListenersWith);
          }
          update.routeConfigSources().forEach((name, cs) ->
              client.watch(RouteConfigurationResource.INSTANCE, name, client.resolve(cs, "rds.config_source"), routes));
          return listeners.onChanged(update);
        }
      });
    }
  }

  @ParameterizedTest
  @EnumSource(XdsProtocol.class)
  void everyTypeOnItsOwnStreamFromApiConfigSources(XdsProtocol protocol) throws Exception {
    ConfigSource source = apiSource(cp.port(), protocol);
    cp.setSnapshot("default", "v1", List.of(edsClusterFrom("c1", source)), List.of(endpoints("c1", 9001)),
        List.of(listenerWithRdsFrom("l1", "r1", source)), List.of(route("r1", "c1")));
    ConfigSourceResolver resolver = ConfigSources.resolver(List.of());
    XdsClientConfig config = XdsClientConfig.builder(Node.newBuilder().setId("n").build())
        .ldsSource(resolver.resolve(source, "lds_config"))
        .cdsSource(resolver.resolve(source, "cds_config"))
        .backoff(Duration.ofMillis(100), Duration.ofMillis(500))
        .build();
    Follower f = new Follower();
    InMemoryXdsStats stats = new InMemoryXdsStats();
    try (XdsClient client = XdsClient.create(config, stats)) {
      f.attach(client);
      Await.until("listener, route and endpoints", () -> f.listeners.current.containsKey("l1")
          && f.routes.current.containsKey("r1") && f.endpoints.current.containsKey("c1"));
      Await.until("connected", () -> stats.gauge("control_plane.connected_state") == 1);
      // One stream per type on the per-type services; none on ADS.
      assertThat(cp.streamsOpened).containsExactlyInAnyOrder(ListenerResource.TYPE_URL, ClusterResource.TYPE_URL,
          RouteConfigurationResource.TYPE_URL, EndpointResource.TYPE_URL);

      // NACK and recovery on the LDS stream.
      f.rejectListenersWith = "not today";
      cp.setSnapshot("default", "v2", List.of(edsClusterFrom("c1", source)), List.of(endpoints("c1", 9002)),
          List.of(listenerWithRdsFrom("l1", "r2", source)), List.of(route("r1", "c1"), route("r2", "c1")));
      Await.until("endpoints update on the EDS stream", () -> f.endpoints.current.get("c1").proto().toString()
          .contains("9002"));
      Await.until("LDS NACK on the LDS stream", () -> protocol == XdsProtocol.DELTA
          ? cp.deltaRequests.stream().anyMatch(r -> r.getTypeUrl().equals(ListenerResource.TYPE_URL)
              && r.getErrorDetail().getMessage().equals("lds 'l1': not today"))
          : cp.requests.stream().anyMatch(r -> r.getTypeUrl().equals(ListenerResource.TYPE_URL)
              && r.getErrorDetail().getMessage().equals("lds 'l1': not today") && r.getVersionInfo().equals("v1")));
      f.rejectListenersWith = null;
      cp.setSnapshot("default", "v3", List.of(edsClusterFrom("c1", source)), List.of(endpoints("c1", 9002)),
          List.of(listenerWithRdsFrom("l1", "r2", source).toBuilder().setStatPrefix("v3").build()), List.of(route("r1", "c1"), route("r2", "c1")));
      Await.until("recovered: r2 followed", () -> f.routes.current.containsKey("r2"));
      assertThat(cp.streamsOpened).doesNotContain("");
    }
  }

  @ParameterizedTest
  @EnumSource(XdsProtocol.class)
  void adsAndAServerOfItsOwnSideBySide(XdsProtocol protocol) throws Exception {
    ConfigSource routesElsewhere = apiSource(other.port(), protocol);
    cp.setSnapshot("default", "v1", List.of(edsClusterFrom("c1", TestResources.ads())), List.of(endpoints("c1", 9001)),
        List.of(listenerWithRdsFrom("l1", "r1", routesElsewhere)), List.of(route("r1", "from-ads")));
    other.setSnapshot("default", "o1", List.of(), List.of(), List.of(), List.of(route("r1", "from-other")));
    XdsClientConfig config = XdsClientConfig.builder(ServerTarget.uri("127.0.0.1:" + cp.port()),
            Node.newBuilder().setId("n").build())
        .protocol(protocol)
        .backoff(Duration.ofMillis(100), Duration.ofMillis(500))
        .build();
    Follower f = new Follower();
    try (XdsClient client = XdsClient.create(config, new InMemoryXdsStats())) {
      f.attach(client);
      Await.until("route from the other server", () -> f.routes.current.containsKey("r1")
          && f.endpoints.current.containsKey("c1"));
      assertThat(f.routes.current.get("r1").clusterNames()).containsExactly("from-other");
      assertThat(cp.streamsOpened).containsExactly("");
      assertThat(other.streamsOpened).containsExactly(RouteConfigurationResource.TYPE_URL);
      assertThat(client.cacheView().resources(RouteConfigurationResource.INSTANCE)).hasSize(1);
    }
  }
}
