package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.staticCluster;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm;
import io.envoyproxy.envoy.extensions.wasm.v3.CapabilityRestrictionConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.SanitizationConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * capability_restriction_config arriving over ECDS reaches the VM exactly as a static one does (plugins/c/c_sandbox.c):
 * disallowed host and WASI calls answer as stubs; an allow list without the WASI calls the module needs at start is
 * NACKed naming the resource and the plugin, and the previous config keeps serving.
 */
@Timeout(120)
class EcdsCapabilityRestrictionTest {
  static final Path SANDBOX = Path.of("..", "plugins", "build", "c", "c_sandbox.wasm").toAbsolutePath().normalize();
  static final List<String> CAPS_NEEDED = List.of("proxy_on_configure", "proxy_get_buffer_bytes", "proxy_on_context_create",
      "proxy_on_request_headers", "proxy_get_header_map_value", "proxy_send_local_response", "environ_get", "environ_sizes_get");

  static TypedExtensionConfig sandbox(List<String> allowed) {
    CapabilityRestrictionConfig.Builder caps = CapabilityRestrictionConfig.newBuilder();
    allowed.forEach(c -> caps.putAllowedCapabilities(c, SanitizationConfig.getDefaultInstance()));
    PluginConfig.Builder pc = PluginConfig.newBuilder().setName("sandbox_plugin").setRootId("sandbox")
        .setConfiguration(Any.pack(StringValue.of("sb")))
        .setVmConfig(VmConfig.newBuilder().setVmId("sandbox_vm").setRuntime("envoy.wasm.runtime.v8")
            .setCode(AsyncDataSource.newBuilder().setLocal(DataSource.newBuilder().setFilename(SANDBOX.toString()))));
    if (!allowed.isEmpty()) {
      pc.setCapabilityRestrictionConfig(caps);
    }
    return TypedExtensionConfig.newBuilder().setName("headers").setTypedConfig(Any.pack(Wasm.newBuilder().setConfig(pc).build())).build();
  }

  private static String caps(int port) {
    try {
      return Http.get(Http.h1(), "http://127.0.0.1:" + port + "/sb/caps").body();
    } catch (Exception e) {
      return "";
    }
  }

  @Test
  void restrictionOverEcdsStubsCallsAndAnUnstartableAllowListIsNacked() throws Exception {
    assertThat(Files.exists(SANDBOX)).as("build the plugins first (plugins/build.sh): " + SANDBOX).isTrue();
    int port = freePort();
    try (SmallAdsServer ads = new SmallAdsServer(); TestUpstream upstream = new TestUpstream("a")) {
      ads.set(EcdsWasmFilterTest.CDS, staticCluster("c1", upstream.port()));
      ads.set(EcdsWasmFilterTest.ECDS, sandbox(List.of()));
      ads.set(EcdsWasmFilterTest.LDS, EcdsWasmFilterTest.listener(port));
      try (Dataplane dp = Resources.startDataplane("dp-1", ads.port(), "GRPC")) {
        await("unrestricted plugin", () -> caps(port).equals("add_header=0 random_get=0"));

        ads.set(EcdsWasmFilterTest.ECDS, sandbox(CAPS_NEEDED));
        await("restricted plugin: UNIMPLEMENTED and ENOSYS stubs", () -> caps(port).equals("add_header=12 random_get=52"));

        ads.set(EcdsWasmFilterTest.ECDS, sandbox(List.of("proxy_on_request_headers", "proxy_send_local_response")));
        await("NACK naming the resource and the plugin", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(EcdsWasmFilterTest.ECDS)
            && n.contains("ecds 'headers'") && n.contains("sandbox_plugin")));
        assertThat(caps(port)).isEqualTo("add_header=12 random_get=52");
      }
    }
  }
}
