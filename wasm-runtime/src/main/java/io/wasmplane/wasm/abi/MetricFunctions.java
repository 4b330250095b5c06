package io.wasmplane.wasm.abi;

import static io.wasmplane.wasm.abi.HostCall.I32;
import static io.wasmplane.wasm.abi.HostCall.I64;

import io.wasmplane.wasm.MetricType;
import io.wasmplane.wasm.Status;
import java.util.List;
import java.util.OptionalLong;

/** {@code proxy_define_metric}, {@code _increment_}, {@code _record_}, {@code _get_}: the runtime's registry. */
final class MetricFunctions {
  private MetricFunctions() {}

  static List<HostCall> calls() {
    return List.of(
        HostCall.env("proxy_define_metric", 4, MetricFunctions::define),
        HostCall.env("proxy_increment_metric", List.of(I32, I64), List.of(I32), false,
            (vm, a) -> vm.services.metrics().increment((int) a[0], a[1]).code()),
        HostCall.env("proxy_record_metric", List.of(I32, I64), List.of(I32), false,
            (vm, a) -> vm.services.metrics().record((int) a[0], a[1]).code()),
        HostCall.env("proxy_get_metric", 2, MetricFunctions::get));
  }

  private static long define(VmState vm, long[] a) {
    MetricType type = MetricType.fromAbi((int) a[0]);
    String name = vm.memory.readString(a[1], a[2]);
    vm.memory.check(GuestMemory.unsigned(a[3]), 4);
    if (type == null) {
      return Status.BAD_ARGUMENT.code();
    }
    int id;
    try {
      id = vm.services.metrics().define(type, name);
    } catch (IllegalArgumentException refused) {
      return Status.BAD_ARGUMENT.code();
    }
    vm.memory.writeU32(a[3], id);
    return Status.OK.code();
  }

  private static long get(VmState vm, long[] a) {
    vm.memory.check(GuestMemory.unsigned(a[1]), 8);
    MetricType type = vm.services.metrics().typeOf((int) a[0]);
    if (type == null) {
      return Status.NOT_FOUND.code();
    }
    OptionalLong value = vm.services.metrics().get((int) a[0]);
    if (value.isEmpty()) {
      return Status.BAD_ARGUMENT.code(); // histograms have no single value
    }
    vm.memory.writeU64(a[1], value.getAsLong());
    return Status.OK.code();
  }
}
