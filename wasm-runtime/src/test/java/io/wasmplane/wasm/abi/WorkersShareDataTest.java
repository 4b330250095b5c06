package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.PluginModule;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Envoy's VM model: one compiled module, one VM per worker thread, shared data of a vm_id seen by all of them.
 * Four workers increment one shared counter with CAS at the same time; no increment may be lost.
 */
class WorkersShareDataTest {
  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void casIncrementsFromFourWorkersAreNeverLost(ExecutionMode mode) throws Exception {
    int workers = 4;
    int perCall = 50;
    int calls = 20;
    PluginModule module = TestPlugins.module("abi_counter", mode);
    List<TestHosts.Vm> hosts = new ArrayList<>();
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode))) {
      List<CompletableFuture<Void>> running = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        TestHosts.Vm host = new TestHosts.Vm();
        hosts.add(host);
        WasmVm vm = host.onVm(() -> rt.startVm(module, VmConfig.of("counter"), host));
        HttpContext http = host.onVm(() -> vm.createRootContext(PluginConfig.of("count", "", new byte[0]),
            new TestHosts.Context()).newHttpContext(new TestHosts.Context()));
        running.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < calls; i++) {
            http.onRequestHeaders(perCall, false);
          }
        }, host.executor));
      }
      CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      byte[] value = rt.sharedData().get("counter", "n").value();
      assertThat(ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(workers * calls * perCall);
    } finally {
      hosts.forEach(TestHosts.Vm::close);
    }
  }
}
