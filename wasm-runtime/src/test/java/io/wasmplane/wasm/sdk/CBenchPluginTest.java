package io.wasmplane.wasm.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.FilterHeadersStatus;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.LogLevel;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.PluginModule;
import io.wasmplane.wasm.RootContext;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import io.wasmplane.wasm.host.ContextHost;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The benchmark plugin c_bench does the header work the benchmark assumes, in both modes and at both log levels. */
class CBenchPluginTest {

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void oneRoundReadsTenHeadersAddsOneAndLogsOnlyWhenInfoIsEnabled(ExecutionMode mode) throws Exception {
    try (WasmRuntime runtime = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode));
        LoopbackVmHost verbose = new LoopbackVmHost(LogLevel.INFO);
        LoopbackVmHost quiet = new LoopbackVmHost(LogLevel.WARN)) {
      PluginModule module = runtime.load(Plugins.bytes("c", "c_bench"));
      for (LoopbackVmHost host : List.of(verbose, quiet)) {
        WasmVm vm = host.onVm(() -> runtime.startVm(module, VmConfig.of("vm-bench"), host));
        RootContext root = host.onVm(() -> vm.createRootContext(PluginConfig.of("bench", "", new byte[0]),
            new ContextHost() {}));
        StreamHost stream = new StreamHost()
            .requestHeaders(ListHeaders.of(":method", "GET", ":path", "/p", ":authority", "a.b",
                "user-agent", "ua", "accept", "*/*", "cookie", "c=1", "x-other", "ignored"))
            .responseHeaders(ListHeaders.of(":status", "204", "content-type", "text/plain"));
        host.onVm(() -> {
          HttpContext http = root.newHttpContext(stream);
          assertThat(http.onRequestHeaders(7, true)).isEqualTo(FilterHeadersStatus.CONTINUE);
          assertThat(http.onResponseHeaders(2, true)).isEqualTo(FilterHeadersStatus.CONTINUE);
          http.onLog();
          http.close();
          return null;
        });
        // GET + /p + a.b + ua + */* + c=1 = 3 + 2 + 3 + 2 + 3 + 3 (absent headers count 0)
        assertThat(stream.map(MapType.HTTP_REQUEST_HEADERS).all("x-bench-sum")).containsExactly("16");
        assertThat(stream.map(MapType.HTTP_RESPONSE_HEADERS).all("x-bench-served")).containsExactly("c_bench");
        host.onVm(() -> {
          vm.close();
          return null;
        });
      }
      assertThat(verbose.messages(LogLevel.INFO)).containsExactly("c_bench /p 204");
      assertThat(quiet.logs).isEmpty();
    }
  }
}
