package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Envoy's capability_restriction_config: only the allowed host functions and callbacks work. */
class CapabilityRestrictionTest {
  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void disallowedHostFunctionsAnswerUnimplementedAndDisallowedCallbacksAreNotCalled(ExecutionMode mode)
      throws Exception {
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode));
        TestHosts.Vm host = new TestHosts.Vm()) {
      VmConfig restricted = new VmConfig("vm1", new byte[0], Map.of(),
          Set.of("proxy_log", "proxy_on_request_headers", "proxy_get_header_map_value"));
      WasmVm vm = host.onVm(() -> rt.startVm(TestPlugins.module("abi_host_calls", mode), restricted, host));
      // "reject" would make on_configure return false; it is not allowed, so it is never called
      HttpContext http = host.onVm(() -> vm.createRootContext(
              PluginConfig.of("p", "r", "reject".getBytes(StandardCharsets.UTF_8)), new TestHosts.Context())
          .newHttpContext(new TestHosts.Context()));
      host.onVm(() -> http.onRequestHeaders(14, false));
      // route cache, span tag, dns, proxy_done: UNIMPLEMENTED; pthread_equal is always there
      assertThat(host.drainLogs()).containsExactly("12", "12", "12", "1", "0", "12");
    }
  }
}
