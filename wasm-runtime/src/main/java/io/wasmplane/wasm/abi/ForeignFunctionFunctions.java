package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.ForeignFunction;
import io.wasmplane.wasm.Status;
import java.util.List;

/** {@code proxy_call_foreign_function} (the runtime's {@code ForeignFunctions} registry) and Envoy's DNS call. */
final class ForeignFunctionFunctions {
  private ForeignFunctionFunctions() {}

  static List<HostCall> calls() {
    return List.of(
        HostCall.env("proxy_call_foreign_function", 6, ForeignFunctionFunctions::call),
        // Envoy-only asynchronous DNS: this host does not resolve names for plugins.
        HostCall.env("envoy_resolve_dns", 3, (vm, a) -> Status.UNIMPLEMENTED.code()));
  }

  private static long call(VmState vm, long[] a) {
    String name = vm.memory.readString(a[0], a[1]);
    byte[] args = vm.memory.read(a[2], a[3]);
    vm.memory.check(GuestMemory.unsigned(a[4]), 4);
    vm.memory.check(GuestMemory.unsigned(a[5]), 4);
    ForeignFunction fn = vm.services.foreignFunctions().lookup(name);
    if (fn == null) {
      return Status.NOT_FOUND.code();
    }
    byte[] result;
    try {
      result = fn.call(args);
    } catch (ForeignFunction.Failure f) {
      return f.status().code();
    } catch (RuntimeException bug) {
      return Status.INTERNAL_FAILURE.code();
    }
    return vm.memory.returnBytes(result == null ? new byte[0] : result, a[4], a[5]).code();
  }
}
