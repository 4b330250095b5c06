package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.ads;
import static io.wasmplane.dataplane.xds.Resources.staticCluster;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ECDS: a Wasm HTTP filter (the AssemblyScript as_headers plugin) whose config arrives over ADS by filter name,
 * swaps for new streams on update, and an update whose on_configure fails is NACKed while the previous keeps serving.
 */
class EcdsWasmFilterTest {
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String ECDS = "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig";
  static final String WASM = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
  static final Path PLUGIN = Path.of("..", "plugins", "build", "assemblyscript", "as_headers.wasm").toAbsolutePath().normalize();

  SmallAdsServer ads;
  TestUpstream upstream;
  Dataplane dp;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void setUp() throws Exception {
    assertTrue(Files.exists(PLUGIN), "build the plugins first (plugins/build.sh): " + PLUGIN);
    ads = new SmallAdsServer();
    upstream = new TestUpstream("a");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (dp != null) {
      dp.close();
    }
    ads.close();
    upstream.close();
  }

  static TypedExtensionConfig plugin(String configuration) {
    Wasm wasm = Wasm.newBuilder().setConfig(PluginConfig.newBuilder().setName("as_headers_plugin").setRootId("as_headers")
        .setConfiguration(Any.pack(StringValue.of(configuration)))
        .setVmConfig(VmConfig.newBuilder().setVmId("as_vm").setRuntime("envoy.wasm.runtime.v8")
            .setCode(AsyncDataSource.newBuilder().setLocal(DataSource.newBuilder().setFilename(PLUGIN.toString())))))
        .build();
    return TypedExtensionConfig.newBuilder().setName("headers").setTypedConfig(Any.pack(wasm)).build();
  }

  static io.envoyproxy.envoy.config.listener.v3.Listener listener(int port) {
    return listener(port, ExtensionConfigSource.newBuilder().setConfigSource(ads()).addTypeUrls(WASM));
  }

  static io.envoyproxy.envoy.config.listener.v3.Listener listener(int port, ExtensionConfigSource.Builder discovery) {
    return listener(port, discovery, "c1");
  }

  /** Listener l1: the ECDS filter "headers", then the router to {@code cluster} (inline route config). */
  static io.envoyproxy.envoy.config.listener.v3.Listener listener(int port, ExtensionConfigSource.Builder discovery,
      String cluster) {
    HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder().setStatPrefix("ingress")
        .setRouteConfig(RouteConfiguration.newBuilder().setName("local").addVirtualHosts(VirtualHost.newBuilder()
            .setName("all").addDomains("*").addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster(cluster)))))
        .addHttpFilters(HttpFilter.newBuilder().setName("headers").setConfigDiscovery(discovery))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())));
    return Resources.listener("l1", port, hcm);
  }

  HttpResponse<String> get(int port) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  String stamp(int port) {
    try {
      HttpResponse<String> r = get(port);
      return r.statusCode() == 200 ? r.headers().firstValue("x-as-stamp").orElse("none") : "status " + r.statusCode();
    } catch (Exception e) {
      return null;
    }
  }

  @Test
  void wasmFilterArrivesOverEcdsSwapsAndABadPluginIsNacked() throws Exception {
    int port = freePort();
    ads.set(CDS, staticCluster("c1", upstream.port()));
    ads.set(ECDS, plugin("stamp=v1"));
    ads.set(LDS, listener(port));
    dp = Resources.startDataplane("dp-1", ads.port(), "GRPC");

    await("the plugin's effect through the proxy", () -> "v1".equals(stamp(port)));
    assertTrue(get(port).body().contains("x-as-stamp: v1\n"), "the upstream saw the header the plugin added");
    assertEquals(1, counter(dp, "extension_config_discovery.http_filter.headers.config_reload"));

    ads.set(ECDS, plugin("stamp=v2"));
    await("the update swaps the filter for new streams", () -> "v2".equals(stamp(port)));
    assertEquals(2, counter(dp, "extension_config_discovery.http_filter.headers.config_reload"));

    // on_configure returns false without a stamp: NACK naming the resource and the plugin; v2 keeps serving.
    ads.set(ECDS, plugin("nostamp=1"));
    await("NACK seen by the server", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(ECDS) && n.contains("ecds 'headers'")
        && n.contains("as_headers_plugin")));
    assertEquals(1, counter(dp, "extension_config_discovery.http_filter.headers.config_fail"));
    for (int i = 0; i < 3; i++) {
      assertEquals("v2", stamp(port));
    }
    String dump = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.adminPort() + "/config_dump")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(dump.contains("EcdsConfigDump") && dump.contains("\"ecds_filters\"") && dump.contains("\"error_state\""), dump);
  }

  @Test
  void aListenerWaitsForItsFilterConfig() throws Exception {
    int port = freePort();
    ads.set(CDS, staticCluster("c1", upstream.port()));
    ads.set(LDS, listener(port));
    ads.set(ECDS); // nothing yet: the listener warms
    dp = Resources.startDataplane("dp-1", ads.port(), "GRPC");
    await("LDS accepted", () -> counter(dp, "listener_manager.lds.update_success") >= 1);
    assertTrue(dp.server().listeners().isEmpty(), "warming until the filter config is there");
    ads.set(ECDS, plugin("stamp=late"));
    await("active once ECDS arrived", () -> "late".equals(stamp(port)));

    // The listener goes: nothing uses the filter config any more, so it is unsubscribed (SotW: an empty name list).
    ads.set(LDS);
    await("listener removed", () -> dp.server().listeners().isEmpty());
    await("ECDS unsubscribed", () -> ads.requests.stream().anyMatch(r -> r.getTypeUrl().equals(ECDS) && r.getResourceNamesCount() == 0));
    await("cache emptied", () -> dp.xds().get().client().cacheView()
        .resources(io.wasmplane.xds.resource.ExtensionConfigResource.INSTANCE).isEmpty());
  }

  @Test
  void aFilterConfigThatNeverArrivesGives500() throws Exception {
    int port = freePort();
    ads.set(CDS, staticCluster("c1", upstream.port()));
    ads.set(LDS, listener(port));
    ads.set(ECDS);
    dp = Resources.startDataplane(Resources.bootstrap("dp-1", "default", ads.port(), "GRPC", "1s"), Duration.ofSeconds(1));
    // After initial_fetch_timeout the listener goes active without the config; Envoy answers such streams 500.
    await("500 without a filter config", () -> "status 500".equals(stamp(port)));
    assertEquals(0, upstream.requests.get(), "nothing reached the upstream");
  }

  @Test
  void aDefaultConfigAppliedWithoutWarmingServesUntilEcdsDelivers() throws Exception {
    int port = freePort();
    ads.set(CDS, staticCluster("c1", upstream.port()));
    ads.set(LDS, listener(port, ExtensionConfigSource.newBuilder().setConfigSource(ads()).addTypeUrls(WASM)
        .setDefaultConfig(plugin("stamp=default").getTypedConfig()).setApplyDefaultConfigWithoutWarming(true)));
    ads.set(ECDS);
    dp = Resources.startDataplane("dp-1", ads.port(), "GRPC");
    await("the default config serves before ECDS has anything", () -> "default".equals(stamp(port)));
    ads.set(ECDS, plugin("stamp=v1"));
    await("the ECDS config replaces the default", () -> "v1".equals(stamp(port)));
  }

  @Test
  void aListenerWhoseInlineWasmFilterFailsOnConfigureIsNacked() throws Exception {
    int port = freePort();
    ads.set(CDS, staticCluster("c1", upstream.port()));
    ads.set(ECDS, plugin("stamp=v1"));
    ads.set(LDS, listener(port));
    dp = Resources.startDataplane("dp-1", ads.port(), "GRPC");
    await("v1 serves", () -> "v1".equals(stamp(port)));

    // The same listener with the plugin inline (typed_config) and a configuration its on_configure refuses.
    var inline = HttpConnectionManager.newBuilder().setStatPrefix("ingress")
        .setRouteConfig(RouteConfiguration.newBuilder().setName("local").addVirtualHosts(VirtualHost.newBuilder()
            .setName("all").addDomains("*").addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster("c1")))))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.wasm").setTypedConfig(plugin("nostamp=1").getTypedConfig()))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())));
    ads.set(LDS, Resources.listener("l1", port, inline));
    await("LDS NACK naming the listener and the plugin", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(LDS)
        && n.contains("lds 'l1'") && n.contains("as_headers_plugin")));
    assertTrue(counter(dp, "listener_manager.lds.update_rejected") >= 1);
    assertEquals("v1", stamp(port), "the last good listener keeps serving");
  }
}
