package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.RootContext;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A fresh runtime (so shared data and metrics start empty) with one VM of a cached module, plugin "p1" (root_id
 * "r1", configuration "cfg") in vm_id "vm1" (VM configuration "vmc"), and one HTTP context.
 */
final class Fixture implements AutoCloseable {
  final WasmRuntime runtime;
  final TestHosts.Vm host = new TestHosts.Vm();
  final TestHosts.Context rootHost = new TestHosts.Context();
  final TestHosts.Context stream = new TestHosts.Context();
  final WasmVm vm;
  final RootContext root;
  final HttpContext http;

  private Fixture(ExecutionMode mode, String module, Duration timeout, String pluginConfig) throws Exception {
    runtime = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode).withCallTimeout(timeout));
    vm = host.onVm(() -> runtime.startVm(TestPlugins.module(module, mode),
        VmConfig.of("vm1", "vmc".getBytes(StandardCharsets.UTF_8)), host));
    root = host.onVm(() -> vm.createRootContext(
        PluginConfig.of("p1", "r1", pluginConfig.getBytes(StandardCharsets.UTF_8)), rootHost));
    stream.maps.put(MapType.HTTP_REQUEST_HEADERS, TestHosts.ListMap.of(":path", "/p", "x-a", "va", "x-b", "vb"));
    stream.maps.put(MapType.HTTP_RESPONSE_HEADERS, new TestHosts.ListMap());
    http = host.onVm(() -> root.newHttpContext(stream));
  }

  static Fixture start(ExecutionMode mode) throws Exception {
    return new Fixture(mode, "abi_host_calls", Duration.ofSeconds(5), "cfg");
  }

  static Fixture start(ExecutionMode mode, String module, Duration timeout, String pluginConfig) throws Exception {
    return new Fixture(mode, module, timeout, pluginConfig);
  }

  /** Runs scenario n of abi_host_calls and returns what it logged. */
  List<String> scenario(int n) throws Exception {
    host.drainLogs();
    host.onVm(() -> http.onRequestHeaders(n, false));
    return host.drainLogs();
  }

  /** Runs scenario n, then waits until its log (including later callbacks) has at least {@code lines} lines. */
  List<String> scenarioThenAwait(int n, int lines) throws Exception {
    host.drainLogs();
    host.onVm(() -> http.onRequestHeaders(n, false));
    List<String> log = host.awaitLogs(l -> l.size() >= lines);
    host.drainLogs();
    return log;
  }

  @Override
  public void close() throws Exception {
    try {
      host.onVm(vm::close);
    } finally {
      host.close();
      runtime.close();
    }
  }
}
