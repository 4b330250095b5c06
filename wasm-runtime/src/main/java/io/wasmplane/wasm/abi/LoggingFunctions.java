package io.wasmplane.wasm.abi;


import io.wasmplane.wasm.LogLevel;
import io.wasmplane.wasm.Status;
import java.time.Instant;
import java.util.List;

/** {@code proxy_log}, {@code proxy_get_log_level} and the (deprecated) clock; all allowed during start-up. */
final class LoggingFunctions {
  private LoggingFunctions() {}

  static List<HostCall> calls() {
    return List.of(
        HostCall.env("proxy_log", 3, LoggingFunctions::log).startSafe(),
        HostCall.env("proxy_get_log_level", 1, (vm, a) -> {
          vm.memory.writeU32(a[0], vm.host.logLevel().ordinal());
          return Status.OK.code();
        }).startSafe(),
        HostCall.env("proxy_get_current_time_nanoseconds", 1, (vm, a) -> {
          Instant now = Instant.now();
          vm.memory.writeU64(a[0], now.getEpochSecond() * 1_000_000_000L + now.getNano());
          return Status.OK.code();
        }).startSafe());
  }

  private static long log(VmState vm, long[] a) {
    LogLevel level = LogLevel.fromAbi((int) a[0]);
    long size = GuestMemory.unsigned(a[2]);
    vm.memory.check(GuestMemory.unsigned(a[1]), size);
    if (level == null) {
      return Status.BAD_ARGUMENT.code();
    }
    if (level.ordinal() >= vm.host.logLevel().ordinal()) {
      String message = vm.memory.readString(a[1], Math.min(size, HostLimits.MAX_LOG_MESSAGE_BYTES));
      vm.host.log(vm.pluginLabel(), level, message);
    }
    return Status.OK.code();
  }

}
