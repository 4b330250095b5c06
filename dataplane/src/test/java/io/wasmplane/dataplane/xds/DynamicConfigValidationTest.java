package io.wasmplane.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.ConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What only xDS can feed is rejected at startup, naming the place, instead of silently never working. */
class DynamicConfigValidationTest {
  private static Dataplane start(Bootstrap b) {
    return Dataplane.start(b, Dataplane.Options.defaults().withDrainTime(Duration.ofSeconds(1)));
  }

  @Test
  void aStaticListenerCannotUseRds() {
    Bootstrap b = Bootstrap.newBuilder().setStaticResources(Bootstrap.StaticResources.newBuilder()
        .addListeners(Resources.listener("l1", 0, "r1"))).build();
    assertThatThrownBy(() -> start(b)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener l1 http_connection_manager.rds: not supported on static listeners");
  }

  @Test
  void aStaticFilterWithConfigDiscoveryNeedsDynamicResources() {
    var hcm = Resources.hcm("r1").clearRds().setRouteConfig(Resources.route("local", "c1"))
        .addHttpFilters(0, HttpFilter.newBuilder().setName("headers").setConfigDiscovery(ExtensionConfigSource.newBuilder()
            .setConfigSource(Resources.ads()).addTypeUrls(EcdsWasmFilterTest.WASM)));
    Bootstrap b = Bootstrap.newBuilder().setStaticResources(Bootstrap.StaticResources.newBuilder()
        .addListeners(Resources.listener("l1", 0, hcm)).addClusters(Resources.staticCluster("c1", 9))).build();
    assertThatThrownBy(() -> start(b)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("http_filters headers.config_discovery: needs dynamic_resources");
  }

  @Test
  void dynamicResourcesNeedAdsConfig() {
    Bootstrap b = BootstrapLoader.fromText("""
        dynamic_resources:
          lds_config: {ads: {}, resource_api_version: V3}
        """, "test");
    assertThatThrownBy(() -> start(b)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("dynamic_resources").hasMessageContaining("ads_config");
  }
}
