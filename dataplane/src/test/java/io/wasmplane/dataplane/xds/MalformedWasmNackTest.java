package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.staticCluster;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.MalformedWasm;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Over ECDS, plugin code that is not a usable module (inline bytes: truncated, bad magic, invalid section, 10 MB of
 * garbage, an unknown import, a wrong callback signature) is NACKed naming the resource, the plugin and the cause,
 * and the serving version keeps serving: no stream ever sees the bad code.
 */
@Timeout(120)
class MalformedWasmNackTest {
  private static TypedExtensionConfig plugin(String name, DataSource code) {
    Wasm wasm = Wasm.newBuilder().setConfig(PluginConfig.newBuilder().setName(name).setRootId("as_headers")
            .setConfiguration(Any.pack(com.google.protobuf.StringValue.of("stamp=good")))
            .setVmConfig(VmConfig.newBuilder().setVmId("as_vm").setRuntime("envoy.wasm.runtime.v8")
                .setCode(AsyncDataSource.newBuilder().setLocal(code))))
        .build();
    return TypedExtensionConfig.newBuilder().setName("headers").setTypedConfig(Any.pack(wasm)).build();
  }

  @Test
  void everyMalformedModuleIsNackedAndTheServingVersionStays() throws Exception {
    EcdsWasmFilterTest ecds = new EcdsWasmFilterTest();
    ecds.setUp();
    try {
      TestUpstream upstream = ecds.upstream;
      int port = freePort();
      ecds.ads.set(EcdsWasmFilterTest.CDS, staticCluster("c1", upstream.port()));
      ecds.ads.set(EcdsWasmFilterTest.ECDS, plugin("good", DataSource.newBuilder()
          .setFilename(EcdsWasmFilterTest.PLUGIN.toString()).build()));
      ecds.ads.set(EcdsWasmFilterTest.LDS, EcdsWasmFilterTest.listener(port));
      ecds.dp = Resources.startDataplane("dp-1", ecds.ads.port(), "GRPC");
      await("the good version serves", () -> "good".equals(ecds.stamp(port)));

      int refused = 0;
      for (Map.Entry<String, byte[]> c : MalformedWasm.cases().entrySet()) {
        String name = "bad_" + c.getKey();
        ecds.ads.set(EcdsWasmFilterTest.ECDS,
            plugin(name, DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(c.getValue())).build()));
        await("NACK of " + name, () -> ecds.ads.nacks.stream().anyMatch(n -> n.startsWith(EcdsWasmFilterTest.ECDS)
            && n.contains("ecds 'headers'") && n.contains(name) && n.contains(MalformedWasm.cause(c.getKey()))));
        refused++;
        assertThat(counter(ecds.dp, "extension_config_discovery.http_filter.headers.config_fail")).isEqualTo(refused);
        assertThat(ecds.stamp(port)).as("after " + name).isEqualTo("good");
      }
      assertThat(counter(ecds.dp, "extension_config_discovery.http_filter.headers.config_reload")).isEqualTo(1);
    } finally {
      ecds.tearDown();
    }
  }
}
