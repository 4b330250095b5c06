package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.wasm.BufferType;
import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.FilterStatus;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.NetworkContext;
import io.wasmplane.wasm.PeerType;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.RootContext;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** L4 callbacks, the access logger's on_log, on_foreign_function and envoy_on_stats_update (abi_network.wat). */
class NetworkAndRootCallbacksTest {
  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void connectionCallbacksInOrderWithTheirData(ExecutionMode mode) throws Exception {
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode));
        TestHosts.Vm host = new TestHosts.Vm()) {
      WasmVm vm = host.onVm(() -> rt.startVm(TestPlugins.module("abi_network", mode), VmConfig.of("n"), host));
      RootContext root = host.onVm(() -> vm.createRootContext(PluginConfig.of("l4", "", new byte[0]),
          new TestHosts.Context()));
      TestHosts.Context conn = new TestHosts.Context();
      NetworkContext net = host.onVm(() -> root.newNetworkContext(conn));
      List<FilterStatus> statuses = host.onVm(() -> {
        FilterStatus a = net.onNewConnection();
        conn.buffers.put(BufferType.DOWNSTREAM_DATA, new TestHosts.Bytes("hello"));
        FilterStatus b = net.onDownstreamData(5, false);
        conn.buffers.put(BufferType.UPSTREAM_DATA, new TestHosts.Bytes("stop"));
        FilterStatus c = net.onUpstreamData(4, true);
        net.onDownstreamConnectionClose(PeerType.REMOTE);
        net.onUpstreamConnectionClose(PeerType.LOCAL);
        return List.of(a, b, c);
      });
      assertThat(statuses).containsExactly(FilterStatus.CONTINUE, FilterStatus.CONTINUE, FilterStatus.STOP_ITERATION);
      assertThat(host.drainLogs()).containsExactly("new_connection", "downstream", "0", "hello", "upstream", "1",
          "stop", "downstream_close", "2", "upstream_close", "1");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void accessLogAndForeignFunctionCallbacksOnTheRoot(ExecutionMode mode) throws Exception {
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode));
        TestHosts.Vm host = new TestHosts.Vm()) {
      WasmVm vm = host.onVm(() -> rt.startVm(TestPlugins.module("abi_network", mode), VmConfig.of("n"), host));
      RootContext root = host.onVm(() -> vm.createRootContext(PluginConfig.of("logger", "", new byte[0]),
          new TestHosts.Context()));
      TestHosts.Context logged = new TestHosts.Context();
      logged.maps.put(MapType.HTTP_REQUEST_HEADERS, TestHosts.ListMap.of("x-log", "seen"));
      host.onVm(() -> {
        root.onLog(logged);
        root.onLog(new TestHosts.Context()); // the view is per call: this stream has no maps
        root.onForeignFunction(7, "args".getBytes(StandardCharsets.UTF_8));
        root.onStatsUpdate("counters".getBytes(StandardCharsets.UTF_8));
      });
      List<String> log = host.drainLogs();
      assertThat(log.subList(0, 2)).containsExactly("0", "seen");
      assertThat(log.get(2)).isEqualTo("1"); // NOT_FOUND: Envoy's answer for a missing map in the access-log phase
      assertThat(log.subList(log.size() - 6, log.size()))
          .containsExactly("foreign", "7", "args", "stats", "8", "counters");
    }
  }
}
