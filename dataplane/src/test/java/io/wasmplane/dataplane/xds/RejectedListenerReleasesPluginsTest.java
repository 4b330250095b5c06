package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.staticCluster;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.TestUpstream;
import org.junit.jupiter.api.Test;

/**
 * An LDS update rejected because of its second Wasm filter (on_configure refuses its configuration) must not keep the
 * first filter's plugin alive: the handle prepared for it is released, and its per-worker VM goes (proxy_on_delete).
 */
class RejectedListenerReleasesPluginsTest {
  static HttpConnectionManager.Builder hcm(String... wasmConfigurations) {
    HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder().setStatPrefix("ingress")
        .setRouteConfig(RouteConfiguration.newBuilder().setName("local").addVirtualHosts(VirtualHost.newBuilder()
            .setName("all").addDomains("*").addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster("c1")))));
    for (int i = 0; i < wasmConfigurations.length; i++) {
      hcm.addHttpFilters(HttpFilter.newBuilder().setName("wasm" + i)
          .setTypedConfig(EcdsWasmFilterTest.plugin(wasmConfigurations[i]).getTypedConfig()));
    }
    return hcm.addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
        .setTypedConfig(Any.pack(Router.getDefaultInstance())));
  }

  @Test
  void pluginsPreparedForARejectedListenerAreReleased() throws Exception {
    try (SmallAdsServer ads = new SmallAdsServer(); TestUpstream upstream = new TestUpstream("a")) {
      int port = freePort();
      ads.set(EcdsWasmFilterTest.CDS, staticCluster("c1", upstream.port()));
      ads.set(EcdsWasmFilterTest.LDS, Resources.listener("l1", port, hcm()));
      try (Dataplane dp = Resources.startDataplane("dp-1", ads.port(), "GRPC")) {
        await("l1 up", () -> dp.server().listeners().containsKey("l1"));
        var plugins = dp.server().wasmPlugins();
        assertThat(plugins.liveVms()).isZero();

        // First filter fine, second refused by its on_configure: the whole listener is NACKed.
        ads.set(EcdsWasmFilterTest.LDS, Resources.listener("l1", port, hcm("stamp=ok", "nostamp=1")));
        await("LDS NACK", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(EcdsWasmFilterTest.LDS)
            && n.contains("lds 'l1'") && n.contains("wasm1")));
        await("the first filter's plugin released (its VM gone)", () -> plugins.liveVms() == 0);

        // Control: the same first filter in an accepted listener keeps its VM.
        ads.set(EcdsWasmFilterTest.LDS, Resources.listener("l1", port, hcm("stamp=ok")));
        await("accepted, its VM live", () -> plugins.liveVms() == 1);
      }
    }
  }
}
