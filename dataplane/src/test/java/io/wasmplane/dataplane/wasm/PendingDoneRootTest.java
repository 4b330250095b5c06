package io.wasmplane.dataplane.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * hostile_never_done answers proxy_on_done with false and never calls proxy_done. Two of its plugins (root_ids "a"
 * and "b") share one VM; "a" is updated twice. The first update gets a VM of its own while the old "a" still holds
 * its root_id; the second lands on the shared VM again, which works only if the old root, still waiting for
 * proxy_done there, gave its root_id up (cpp-host's startShutdown). Before that fix the second update's root context
 * failed and FAIL_CLOSED answered 503.
 */
@Timeout(60)
class PendingDoneRootTest {
  private static final Path MODULE = Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "wat",
      "hostile_never_done.wasm").toAbsolutePath();

  private static String filter(String name, String rootId) {
    return """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: %s
              root_id: %s
              failure_policy: FAIL_CLOSED
              vm_config:
                vm_id: never_done_vm
                runtime: envoy.wasm.runtime.v8
                code: {local: {filename: "%s"}}
        """.formatted(name, rootId, MODULE);
  }

  private static PluginSpec update(String version) {
    return PluginSpec.from(PluginConfig.newBuilder().setName("never_done_a").setRootId("a")
        .setConfiguration(WasmTestSupport.stringValue(version))
        .setVmConfig(VmConfig.newBuilder().setVmId("never_done_vm").setRuntime("envoy.wasm.runtime.v8")
            .setCode(AsyncDataSource.newBuilder().setLocal(DataSource.newBuilder().setFilename(MODULE.toString()))))
        .build(), "update " + version);
  }

  @Test
  void aRootWaitingForProxyDoneDoesNotBlockTheNextVersionOfItsPlugin() throws Exception {
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = WasmTestSupport.start(filter("never_done_a", "a") + filter("never_done_b", "b"), up.port(), "", 1)) {
      String url = "http://127.0.0.1:" + dp.port("ingress") + "/x";
      assertThat(Http.get(Http.h1(), url).statusCode()).isEqualTo(200);
      SwappableFilterFactory a = WasmTestSupport.wasmFactory(dp);
      for (String version : new String[] {"v1", "v2", "v3"}) {
        PluginHandle old = a.current();
        PluginHandle next = dp.server().wasmPlugins().prepareNow(update(version), PluginKind.HTTP_FILTER,
            WasmPluginManager.Mode.UPDATE);
        a.swap(next);
        old.whenReleased().toCompletableFuture().get(10, TimeUnit.SECONDS);
        // the old root closes on the worker (proxy_on_done: "not done"); this request runs after that on the loop
        assertThat(Http.get(Http.h1(), url).statusCode()).as("after update " + version).isEqualTo(200);
      }
      assertThat(dp.server().stats().snapshot().counter("wasm.never_done_a.vm_failures")).isZero();
    }
  }
}
