package io.wasmplane.dataplane.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * FAIL_RELOAD (a crashed VM is replaced after the backoff), the fail_open/failure_policy conflict, and an update whose
 * canary fails (NACK) while the serving version keeps serving; real plugin (dp_trap_on_header.wat), real sockets.
 */
@Timeout(120)
class FailurePolicyTest {
  private final HttpClient client = Http.h1();

  static String filter(Path wasm, String policyYaml, String configuration) {
    return """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: trapper
              root_id: trapper
        %s
              configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "%s"}
              vm_config:
                vm_id: trap_vm
                code:
                  local: {filename: "%s"}
        """.formatted(policyYaml.lines().map(l -> "      " + l).reduce("", (a, b) -> a + b + "\n").stripTrailing(), configuration, wasm);
  }

  private HttpResponse<String> get(Dataplane dp, boolean trap) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.port("ingress") + "/x"));
    if (trap) {
      b.header("x-trap", "1");
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long counter(Dataplane dp, String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  @Test
  void failReloadReplacesACrashedVmAfterTheBackoff() throws Exception {
    Path wasm = WasmTestSupport.wat("dp_trap_on_header");
    String policy = """
        failure_policy: FAIL_RELOAD
        reload_config: {backoff: {base_interval: 2s}}
        """;
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = WasmTestSupport.start(filter(wasm, policy, "ok"), up.port(), "", 1)) {
      assertThat(get(dp, false).statusCode()).isEqualTo(200);
      HttpResponse<String> crashed = get(dp, true);
      assertThat(crashed.statusCode()).isEqualTo(503);
      // within the backoff the failed VM is kept: fail closed, counted as vm_reload_backoff
      HttpResponse<String> during = get(dp, false);
      assertThat(during.statusCode()).isEqualTo(503);
      assertThat(counter(dp, "wasm.trapper.vm_reload_backoff")).isPositive();
      assertThat(counter(dp, "wasm.trapper.vm_reload_success")).isZero();
      // after the backoff the next stream gets a fresh VM
      long until = System.nanoTime() + 20_000_000_000L;
      HttpResponse<String> after = get(dp, false);
      while (after.statusCode() != 200 && System.nanoTime() < until) {
        Thread.sleep(100);
        after = get(dp, false);
      }
      assertThat(after.statusCode()).isEqualTo(200);
      assertThat(counter(dp, "wasm.trapper.vm_reload_success")).isEqualTo(1);
      assertThat(counter(dp, "wasm.trapper.vm_reload_failure")).isZero();
      assertThat(get(dp, false).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void failOpenAndFailurePolicyTogetherAreRejected() throws Exception {
    Path wasm = WasmTestSupport.wat("dp_trap_on_header");
    String policy = """
        fail_open: true
        failure_policy: FAIL_CLOSED
        """;
    try (TestUpstream up = new TestUpstream("up")) {
      assertThatThrownBy(() -> WasmTestSupport.start(filter(wasm, policy, "ok"), up.port(), "", 1).close())
          .isInstanceOf(ConfigException.class).hasMessageContaining("only one of fail_open or failure_policy");
    }
  }

  @Test
  void anUpdateWhoseCanaryFailsIsRefusedAndTheServingVersionStays() throws Exception {
    Path wasm = WasmTestSupport.wat("dp_trap_on_header");
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = WasmTestSupport.start(filter(wasm, "failure_policy: FAIL_CLOSED", "ok"), up.port(), "", 2)) {
      SwappableFilterFactory factory = WasmTestSupport.wasmFactory(dp);
      PluginHandle serving = factory.current();
      PluginConfig refusing = PluginConfig.newBuilder(WasmTestSupport.localStamp(wasm, "trapper", "refuse")).setRootId("trapper").build();
      assertThatThrownBy(() -> dp.server().wasmPlugins().prepareNow(PluginSpec.from(refusing, "ecds trapper"), PluginKind.HTTP_FILTER,
          WasmPluginManager.Mode.UPDATE)).isInstanceOf(PluginLoadException.class).hasMessageContaining("CONFIGURE_FAILED")
          .hasMessageContaining("trapper");
      assertThat(factory.current()).isSameAs(serving);
      assertThat(get(dp, false).statusCode()).isEqualTo(200);
    }
  }
}
