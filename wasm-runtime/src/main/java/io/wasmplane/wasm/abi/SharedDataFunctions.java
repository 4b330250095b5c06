package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.SharedData;
import io.wasmplane.wasm.Status;
import java.util.List;

/** {@code proxy_get_shared_data}/{@code proxy_set_shared_data}: process-wide per vm_id, with CAS. */
final class SharedDataFunctions {
  private SharedDataFunctions() {}

  static List<HostCall> calls() {
    return List.of(
        HostCall.env("proxy_get_shared_data", 5, SharedDataFunctions::get),
        HostCall.env("proxy_set_shared_data", 5, SharedDataFunctions::set));
  }

  private static long get(VmState vm, long[] a) {
    String key = vm.memory.readString(a[0], a[1]);
    vm.memory.check(GuestMemory.unsigned(a[4]), 4);
    SharedData.Entry entry = vm.services.sharedData().get(vm.config.vmId(), key);
    if (entry == null) {
      return Status.NOT_FOUND.code();
    }
    Status s = vm.memory.returnBytes(entry.value(), a[2], a[3]);
    if (s == Status.OK) {
      vm.memory.writeU32(a[4], entry.cas());
    }
    return s.code();
  }

  private static long set(VmState vm, long[] a) {
    String key = vm.memory.readString(a[0], a[1]);
    byte[] value = vm.memory.read(a[2], a[3]);
    return vm.services.sharedData().set(vm.config.vmId(), key, value, (int) a[4]).code();
  }
}
