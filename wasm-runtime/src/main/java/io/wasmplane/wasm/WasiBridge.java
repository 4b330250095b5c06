package io.wasmplane.wasm;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import io.wasmplane.wasm.abi.VmState;
import java.util.List;
import java.util.Map;

/** Where the WASI surface (package {@code io.wasmplane.wasm.wasi}) plugs into a VM. */
final class WasiBridge {
  private WasiBridge() {}

  /** "module.name" to type of every WASI function the runtime provides. */
  static Map<String, FunctionType> catalog() {
    return Map.of();
  }

  /** The WASI functions bound to one VM: its environment, its log. */
  static List<HostFunction> functions(VmState vm) {
    return List.of();
  }
}
