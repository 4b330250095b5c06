package io.wasmplane.wasm;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import io.wasmplane.wasm.abi.VmState;
import io.wasmplane.wasm.wasi.ProxyWasi;
import io.wasmplane.wasm.wasi.WasiContext;
import io.wasmplane.wasm.wasi.WasiErrno;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where the WASI surface (package {@code io.wasmplane.wasm.wasi}) plugs into a VM. */
final class WasiBridge {
  private static final Map<String, FunctionType> CATALOG = buildCatalog();

  private WasiBridge() {}

  private static Map<String, FunctionType> buildCatalog() {
    Map<String, FunctionType> out = new LinkedHashMap<>();
    for (HostFunction f : ProxyWasi.functions(WasiContext.of((level, message) -> {}, Map.of()))) {
      out.put(f.module() + "." + f.name(), f.functionType());
    }
    return Map.copyOf(out);
  }

  /** "module.name" to type of every WASI function the runtime provides (both module names). */
  static Map<String, FunctionType> catalog() {
    return CATALOG;
  }

  /**
   * The WASI functions bound to one VM: environment from its VmConfig only, stdout/stderr lines to its
   * {@code VmHost.log} (filtered by the host's log level like proxy_log), flushed when the VM closes.
   */
  static List<HostFunction> functions(VmState vm) {
    WasiContext ctx = WasiContext.of((level, message) -> {
      if (level.ordinal() >= vm.host().logLevel().ordinal()) {
        vm.host().log(vm.currentPluginName(), level, message);
      }
    }, vm.environment());
    vm.onClose(ctx::flush);
    List<HostFunction> out = new ArrayList<>();
    for (HostFunction f : ProxyWasi.functions(ctx)) {
      if (vm.capabilityAllowed(f.name())) {
        out.add(f);
      } else { // restricted by capability_restriction_config: links, answers ENOSYS, does nothing
        boolean isVoid = f.functionType().returns().isEmpty();
        out.add(new HostFunction(f.module(), f.name(), f.functionType(),
            (inst, args) -> isVoid ? null : new long[] {WasiErrno.NOSYS}));
      }
    }
    return out;
  }
}
