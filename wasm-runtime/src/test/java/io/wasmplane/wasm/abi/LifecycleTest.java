package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.FailState;
import io.wasmplane.wasm.FilterHeadersStatus;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.RootContext;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Start-up, configuration, the canary, context ids, done/delete, return values, ABI 0.1.0/0.2.0 semantics. */
class LifecycleTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void reactorStartsThenContextsInCppHostOrder(ExecutionMode mode) throws Exception {
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode));
        TestHosts.Vm host = new TestHosts.Vm()) {
      WasmVm vm = host.onVm(() -> rt.startVm(TestPlugins.module("abi_start_reactor", mode), VmConfig.of("v"), host));
      assertThat(host.drainLogs()).containsExactly("init", "main"); // main's stdout line arrives through WASI
      host.onVm(() -> vm.createRootContext(PluginConfig.of("p", "", new byte[0]), new TestHosts.Context()));
      assertThat(host.drainLogs()).containsExactly("create", "vm_start", "configure");
      // a second plugin in the same VM: on_vm_start ran once per VM already
      host.onVm(() -> vm.createRootContext(PluginConfig.of("q", "q", new byte[0]), new TestHosts.Context()));
      assertThat(host.drainLogs()).containsExactly("create", "configure");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void restrictedCallDuringStartFailsTheStart(ExecutionMode mode) throws Exception {
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode));
        TestHosts.Vm host = new TestHosts.Vm()) {
      assertThatThrownBy(() -> host.onVm(
              () -> rt.startVm(TestPlugins.module("abi_start_restricted", mode), VmConfig.of("v"), host)))
          .isInstanceOf(WasmException.class)
          .hasMessageContaining("env.proxy_set_shared_data may not be called during start-up")
          .satisfies(e -> assertThat(((WasmException) e).failState()).isEqualTo(FailState.START_FAILED));
      assertThat(rt.sharedData().get("v", "k")).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void vmStartOrConfigureReturningFalseIsRefused(ExecutionMode mode) throws Exception {
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode));
        TestHosts.Vm host = new TestHosts.Vm()) {
      var module = TestPlugins.module("abi_host_calls", mode);
      WasmVm vm = host.onVm(() -> rt.startVm(module, VmConfig.of("v", b("reject")), host));
      assertThatThrownBy(() -> host.onVm(() -> vm.createRootContext(PluginConfig.of("p", "", b("x")),
              new TestHosts.Context())))
          .isInstanceOf(WasmException.class)
          .hasMessageContaining("proxy_on_vm_start returned false")
          .satisfies(e -> assertThat(((WasmException) e).failState()).isEqualTo(FailState.START_FAILED));
      assertThat(vm.failState()).isEqualTo(FailState.START_FAILED);

      WasmVm vm2 = host.onVm(() -> rt.startVm(module, VmConfig.of("v"), host));
      assertThatThrownBy(() -> host.onVm(() -> vm2.createRootContext(PluginConfig.of("p", "", b("reject")),
              new TestHosts.Context())))
          .isInstanceOf(WasmException.class)
          .hasMessageContaining("plugin 'p'")
          .hasMessageContaining("proxy_on_configure returned false")
          .satisfies(e -> assertThat(((WasmException) e).failState()).isEqualTo(FailState.CONFIGURE_FAILED));
      // the VM itself is fine: another configuration of the same root id is accepted
      RootContext root = host.onVm(() -> vm2.createRootContext(PluginConfig.of("p", "", b("ok")),
          new TestHosts.Context()));
      assertThat(root.isClosed()).isFalse();
      assertThat(vm2.failState()).isEqualTo(FailState.OK);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void canaryRefusesARejectedConfigurationAndAcceptsAGoodOne(ExecutionMode mode) throws Exception {
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode))) {
      var module = TestPlugins.module("abi_host_calls", mode);
      rt.canary(module, VmConfig.of("v"), PluginConfig.of("good", "r", b("fine")));
      assertThatThrownBy(() -> rt.canary(module, VmConfig.of("v"), PluginConfig.of("picky", "r", b("reject"))))
          .isInstanceOf(WasmException.class)
          .hasMessageContaining("plugin 'picky'")
          .hasMessageContaining("configuration rejected");
      assertThatThrownBy(() -> rt.canary(TestPlugins.module("abi_start_restricted", mode), VmConfig.of("v"),
              PluginConfig.of("early", "r", b(""))))
          .isInstanceOf(WasmException.class)
          .hasMessageContaining("plugin 'early'")
          .hasMessageContaining("start-up failed");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void contextIdsGrowAndAreNeverReused(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      List<Integer> ids = f.host.onVm(() -> {
        HttpContext a = f.root.newHttpContext(new TestHosts.Context());
        a.close();
        HttpContext b = f.root.newHttpContext(new TestHosts.Context());
        return List.of(f.root.id(), f.http.id(), a.id(), b.id());
      });
      assertThat(ids).doesNotHaveDuplicates().isSorted();
      assertThat(f.host.drainLogs()).containsExactly("deleted", String.valueOf(ids.get(2)));
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void logThenCloseRunsOnLogOnDoneOnDelete(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      f.host.drainLogs();
      f.host.onVm(() -> {
        f.http.onLog();
        f.http.close();
      });
      String id = String.valueOf(f.http.id());
      assertThat(f.host.drainLogs()).containsExactly("log", id, "deleted", id);
      assertThat(f.http.isClosed()).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void rootThatIsNotDoneWaitsForProxyDone(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode, "abi_host_calls", Duration.ofSeconds(5), "defer")) {
      f.host.drainLogs();
      // read on the VM thread in the same task: the plugin's tick may call proxy_done right after close
      assertThat(f.host.onVm(() -> {
        f.root.close();
        return f.root.isPendingDone() && !f.root.isClosed();
      })).isTrue();
      // the plugin's next tick calls proxy_done (OK), then the runtime deletes the root
      String id = String.valueOf(f.root.id());
      // "deleted" and the id are two log calls: wait for both, not just the first
      assertThat(f.host.awaitLogs(l -> l.size() >= 3)).containsExactly("0", "deleted", id);
      assertThat(f.host.onVm(f.root::isClosed)).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void headerCallbackResultsMapAsEnvoyDoes(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      List<FilterHeadersStatus> got = f.host.onVm(() -> List.of(
          f.http.onRequestHeaders(100, false), f.http.onRequestHeaders(101, false),
          f.http.onRequestHeaders(102, false), f.http.onRequestHeaders(103, false),
          f.http.onRequestHeaders(104, false), f.http.onRequestHeaders(107, false)));
      assertThat(got).containsExactly(FilterHeadersStatus.CONTINUE,
          FilterHeadersStatus.STOP_ALL_ITERATION_AND_WATERMARK, // StopIteration not allowed by default
          FilterHeadersStatus.CONTINUE_AND_END_STREAM, FilterHeadersStatus.STOP_ALL_ITERATION_AND_BUFFER,
          FilterHeadersStatus.STOP_ALL_ITERATION_AND_WATERMARK, FilterHeadersStatus.STOP_ALL_ITERATION_AND_WATERMARK);
      RootContext allowing = f.host.onVm(() -> f.vm.createRootContext(
          new PluginConfig("p2", "r2", b("cfg"), true), new TestHosts.Context()));
      FilterHeadersStatus s = f.host.onVm(() -> allowing.newHttpContext(new TestHosts.Context())
          .onRequestHeaders(101, false));
      assertThat(s).isEqualTo(FilterHeadersStatus.STOP_ITERATION);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void twoPluginsShareOneVmWithTheirOwnRootContexts(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      RootContext second = f.host.onVm(() -> f.vm.createRootContext(PluginConfig.of("p2", "r2", b("cfg")),
          new TestHosts.Context()));
      HttpContext h2 = f.host.onVm(() -> second.newHttpContext(new TestHosts.Context()));
      f.host.drainLogs();
      f.host.onVm(() -> h2.onRequestHeaders(3, false));
      assertThat(f.host.drainLogs().subList(0, 6)).containsExactly("0", "p2", "0", "r2", "0", "vm1");
      assertThat(f.scenario(3).subList(0, 6)).containsExactly("0", "p1", "0", "r1", "0", "vm1");
      assertThatThrownBy(() -> f.host.onVm(() -> f.vm.createRootContext(PluginConfig.of("p3", "r2", b("")),
              new TestHosts.Context())))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("root_id 'r2'");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void abi010SemanticsAndLegacyImports(ExecutionMode mode) throws Exception {
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode));
        TestHosts.Vm host = new TestHosts.Vm()) {
      WasmVm vm = host.onVm(() -> rt.startVm(TestPlugins.module("abi_v010", mode), VmConfig.of("v"), host));
      TestHosts.Context stream = new TestHosts.Context();
      stream.maps.put(MapType.HTTP_REQUEST_HEADERS, TestHosts.ListMap.of("x-a", "1"));
      HttpContext http = host.onVm(() -> vm.createRootContext(PluginConfig.of("old", "", b("legacy-config")),
          new TestHosts.Context()).newHttpContext(stream));
      assertThat(host.drainLogs()).containsExactly("0", "legacy-config"); // proxy_get_configuration
      host.onVm(() -> http.onRequestHeaders(4, true));
      // missing header: OK with size 0; continue_request OK; the 2-parameter callback got n = 4
      assertThat(host.drainLogs()).containsExactly("0", "0", "0", "4");
      assertThat(stream.streamActions).containsExactly("continue HTTP_REQUEST");

      WasmVm eos = host.onVm(() -> rt.startVm(TestPlugins.module("abi_v010_eos", mode), VmConfig.of("v"), host));
      HttpContext h2 = host.onVm(() -> eos.createRootContext(PluginConfig.of("tinygo", "", b("")),
          new TestHosts.Context()).newHttpContext(new TestHosts.Context()));
      host.onVm(() -> h2.onRequestHeaders(3, true));
      assertThat(host.drainLogs()).containsExactly("3", "1");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void abi020Semantics(ExecutionMode mode) throws Exception {
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode));
        TestHosts.Vm host = new TestHosts.Vm()) {
      WasmVm vm = host.onVm(() -> rt.startVm(TestPlugins.module("abi_v020", mode), VmConfig.of("v"), host));
      TestHosts.Context stream = new TestHosts.Context();
      stream.maps.put(MapType.HTTP_REQUEST_HEADERS, TestHosts.ListMap.of("x-a", "1"));
      HttpContext http = host.onVm(() -> vm.createRootContext(PluginConfig.of("p", "", b("")),
          new TestHosts.Context()).newHttpContext(stream));
      host.onVm(() -> http.onRequestHeaders(1, true));
      assertThat(host.drainLogs()).containsExactly("1", "0", "1"); // NOT_FOUND, continue OK, eos
      assertThat(stream.streamActions).containsExactly("continue HTTP_RESPONSE");
    }
  }
}
