package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.wasm.AbiVersion;
import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.FailState;
import io.wasmplane.wasm.PluginModule;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.WasmRuntime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** What {@code WasmRuntime.load} accepts and refuses, and why. */
class ModuleLoadTest {
  private static final WasmRuntime INTERPRETED =
      WasmRuntime.create(RuntimeOptions.defaults().withMode(ExecutionMode.INTERPRETED));

  @AfterAll
  static void close() {
    INTERPRETED.close();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "abi_no_marker|UNABLE_TO_CREATE_VM|Missing or unknown Proxy-Wasm ABI version",
      "abi_unknown_marker|UNABLE_TO_CREATE_VM|Missing or unknown Proxy-Wasm ABI version",
      "abi_unknown_import|UNABLE_TO_CREATE_VM|unknown import env.proxy_frobnicate",
      "abi_bad_import_type|UNABLE_TO_CREATE_VM|import env.proxy_log has signature",
      "abi_bad_callback|UNABLE_TO_CREATE_VM|export proxy_on_configure has signature",
      "abi_v020_two_param_headers|UNABLE_TO_CREATE_VM|export proxy_on_request_headers has signature",
      "abi_memory_import|UNABLE_TO_CREATE_VM|unsupported import env.memory",
      "abi_no_allocator|MISSING_FUNCTION|neither malloc nor proxy_on_memory_allocate"})
  void refusesWithAClearError(String plugin, FailState state, String message) {
    assertThatThrownBy(() -> INTERPRETED.load(TestPlugins.wat(plugin)))
        .isInstanceOf(WasmException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((WasmException) e).failState()).isEqualTo(state));
  }

  @Test
  void refusesBytesThatAreNotWasm() {
    assertThatThrownBy(() -> INTERPRETED.load("not wasm at all".getBytes()))
        .isInstanceOf(WasmException.class)
        .hasMessageContaining("not a valid Wasm module");
  }

  @ParameterizedTest
  @CsvSource({"abi_host_calls,V0_2_1", "abi_v020,V0_2_0", "abi_v010,V0_1_0", "abi_v010_eos,V0_1_0"})
  void detectsTheAbiVersion(String plugin, AbiVersion abi) throws Exception {
    assertThat(INTERPRETED.load(TestPlugins.wat(plugin)).abiVersion()).isEqualTo(abi);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void describesTheModule(ExecutionMode mode) throws Exception {
    byte[] code = TestPlugins.wat("abi_host_calls");
    PluginModule m = TestPlugins.module("abi_host_calls", mode);
    assertThat(m.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(code)));
    assertThat(m.sizeBytes()).isEqualTo(code.length);
    assertThat(m.mode()).isEqualTo(mode);
  }

  @Test
  void compiledCodeIsCachedOnDiskAndReused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    RuntimeOptions options = RuntimeOptions.defaults().withCompiledCodeCacheDir(dir);
    try (WasmRuntime first = WasmRuntime.create(options)) {
      first.load(TestPlugins.wat("abi_v020"));
    }
    java.nio.file.Path entry;
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
      List<java.nio.file.Path> all = files.filter(java.nio.file.Files::isRegularFile).toList();
      assertThat(all).hasSize(1);
      entry = all.get(0);
    }
    // the cache refreshes an entry's modification time on each hit: start from the epoch to see the hit
    java.nio.file.Files.setLastModifiedTime(entry, java.nio.file.attribute.FileTime.fromMillis(0));
    try (WasmRuntime second = WasmRuntime.create(options); TestHosts.Vm host = new TestHosts.Vm()) {
      PluginModule cached = second.load(TestPlugins.wat("abi_v020"));
      assertThat(java.nio.file.Files.getLastModifiedTime(entry).toMillis()).isGreaterThan(0);
      // the module compiled from the cache runs
      var vm = host.onVm(() -> second.startVm(cached, io.wasmplane.wasm.VmConfig.of("c"), host));
      var http = host.onVm(() -> vm.createRootContext(io.wasmplane.wasm.PluginConfig.of("c", "", new byte[0]),
          new TestHosts.Context()).newHttpContext(new TestHosts.Context()));
      host.onVm(() -> http.onRequestHeaders(0, true));
      // no request map here: BAD_ARGUMENT; continue_stream OK; end_of_stream 1
      assertThat(host.drainLogs()).containsExactly("2", "0", "1");
    }
  }
}
