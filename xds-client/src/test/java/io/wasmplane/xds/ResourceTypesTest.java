package io.wasmplane.xds;

import static io.wasmplane.xds.TestResources.ads;
import static io.wasmplane.xds.TestResources.edsCluster;
import static io.wasmplane.xds.TestResources.hcm;
import static io.wasmplane.xds.TestResources.listener;
import static io.wasmplane.xds.TestResources.route;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.wasmplane.xds.resource.ClusterResource;
import io.wasmplane.xds.resource.EndpointResource;
import io.wasmplane.xds.resource.ExtensionConfigResource;
import io.wasmplane.xds.resource.ListenerResource;
import io.wasmplane.xds.resource.ParsedResource;
import io.wasmplane.xds.resource.RouteConfigurationResource;
import org.junit.jupiter.api.Test;

/** What each resource type accepts and the error text it produces (which ends up in NACKs). */
class ResourceTypesTest {

  @Test
  void listenerWithRdsAndEcdsFiltersYieldsItsDependencies() {
    HttpConnectionManager withEcds = hcm("r1").toBuilder()
        .addHttpFilters(0, HttpFilter.newBuilder().setName("wasm-auth").setConfigDiscovery(
            ExtensionConfigSource.newBuilder().setConfigSource(ads())
                .addTypeUrls("type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm")))
        .build();
    ParsedResource<?> p = ListenerResource.INSTANCE.parse(Any.pack(listener("l1", 8080, withEcds)));
    assertThat(p.error()).isNull();
    var update = ListenerResource.INSTANCE.parse(Any.pack(listener("l1", 8080, withEcds))).update();
    assertThat(update.name()).isEqualTo("l1");
    assertThat(update.routeConfigNames()).containsExactly("r1");
    assertThat(update.extensionConfigNames()).containsExactly("wasm-auth");
  }

  @Test
  void listenerErrorsNameTheFieldAndCause() {
    assertThat(ListenerResource.INSTANCE.parse(Any.pack(listener("l1", 1, "r1").toBuilder().clearAddress().build())))
        .satisfies(p -> {
          assertThat(p.name()).isEqualTo("l1");
          assertThat(p.error()).isEqualTo("address is required");
        });
    assertThat(ListenerResource.INSTANCE.parse(Any.pack(listener("l1", 1, "r1").toBuilder().clearFilterChains().build()))
        .error()).isEqualTo("no filter chains specified");
    HttpConnectionManager noRoutes = hcm("r1").toBuilder().clearRds().build();
    assertThat(ListenerResource.INSTANCE.parse(Any.pack(listener("l1", 1, noRoutes))).error())
        .isEqualTo("filter_chains[0].filters[0] 'envoy.filters.network.http_connection_manager': "
            + "one of rds or route_config is required");
    HttpConnectionManager ecdsWithoutTypes = hcm("r1").toBuilder().addHttpFilters(0, HttpFilter.newBuilder()
        .setName("wasm").setConfigDiscovery(ExtensionConfigSource.newBuilder().setConfigSource(ads()))).build();
    assertThat(ListenerResource.INSTANCE.parse(Any.pack(listener("l1", 1, ecdsWithoutTypes))).error())
        .endsWith(".http_filters[0] 'wasm': config_discovery.type_urls is empty");
    // A broken embedded HCM is caught, not passed on.
    Listener garbledHcm = listener("l1", 1, "r1").toBuilder().setFilterChains(0, FilterChain.newBuilder()
        .addFilters(Filter.newBuilder().setName("hcm").setTypedConfig(Any.newBuilder()
            .setTypeUrl("type.googleapis.com/" + HttpConnectionManager.getDescriptor().getFullName())
            .setValue(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}))))).build();
    assertThat(ListenerResource.INSTANCE.parse(Any.pack(garbledHcm)).error())
        .startsWith("filter_chains[0].filters[0] 'hcm': malformed HttpConnectionManager");
  }

  @Test
  void typeUrlAndWireFormatAreChecked() {
    assertThat(ListenerResource.INSTANCE.parse(Any.pack(route("r1", "c1"))).error())
        .startsWith("type URL 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration' is not");
    Any garbage = Any.newBuilder().setTypeUrl(ClusterResource.TYPE_URL)
        .setValue(ByteString.copyFrom(new byte[] {0x0a, 0x7f})).build();
    ParsedResource<?> p = ClusterResource.INSTANCE.parse(garbage);
    assertThat(p.name()).isNull();
    assertThat(p.error()).startsWith("malformed Cluster");
    assertThat(ClusterResource.INSTANCE.parse(Any.pack(Cluster.getDefaultInstance())).error())
        .isEqualTo("Cluster has no name");
  }

  @Test
  void routeConfigurationCollectsClustersAndRejectsIncompleteRoutes() {
    assertThat(RouteConfigurationResource.INSTANCE.parse(Any.pack(route("r1", "c1"))).update().clusterNames())
        .containsExactly("c1");
    RouteConfiguration noAction = route("r1", "c1").toBuilder().setVirtualHosts(0, route("r1", "c1")
        .getVirtualHosts(0).toBuilder().setRoutes(0, Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))))
        .build();
    assertThat(RouteConfigurationResource.INSTANCE.parse(Any.pack(noAction)).error())
        .isEqualTo("virtual_hosts[0] 'all'.routes[0]: an action (route, redirect, direct_response) is required");
    RouteConfiguration noDomains = route("r1", "c1").toBuilder()
        .setVirtualHosts(0, route("r1", "c1").getVirtualHosts(0).toBuilder().clearDomains()).build();
    assertThat(RouteConfigurationResource.INSTANCE.parse(Any.pack(noDomains)).error())
        .isEqualTo("virtual_hosts[0] 'all': domains is empty");
  }

  @Test
  void clusterChecks() {
    assertThat(ClusterResource.INSTANCE.parse(Any.pack(edsCluster("c1"))).update().edsServiceName()).contains("c1");
    Cluster named = edsCluster("c1").toBuilder().setEdsClusterConfig(
        Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()).setServiceName("svc")).build();
    assertThat(ClusterResource.INSTANCE.parse(Any.pack(named)).update().edsServiceName()).contains("svc");
    assertThat(ClusterResource.INSTANCE.parse(Any.pack(edsCluster("c1").toBuilder().clearEdsClusterConfig().build()))
        .error()).isEqualTo("type EDS requires eds_cluster_config");
    Cluster staticWithout = Cluster.newBuilder().setName("s").setType(Cluster.DiscoveryType.STATIC).build();
    assertThat(ClusterResource.INSTANCE.parse(Any.pack(staticWithout)).error())
        .isEqualTo("type STATIC requires load_assignment");
  }

  @Test
  void endpointAndExtensionConfigChecks() {
    ClusterLoadAssignment noAddress = ClusterLoadAssignment.newBuilder().setClusterName("c1")
        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.getDefaultInstance())).build();
    assertThat(EndpointResource.INSTANCE.parse(Any.pack(noAddress)).error())
        .isEqualTo("endpoints[0].lb_endpoints[0]: endpoint.address is required");
    assertThat(EndpointResource.INSTANCE.parse(Any.pack(TestResources.endpoints("c1", 80))).update().name())
        .isEqualTo("c1");
    assertThat(ExtensionConfigResource.INSTANCE.parse(Any.pack(TypedExtensionConfig.newBuilder().setName("f").build()))
        .error()).isEqualTo("typed_config is required");
  }
}
