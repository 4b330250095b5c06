package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.Status;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/** {@code proxy_set_tick_period_milliseconds}: ticks the current context's root on the VM's executor; 0 stops. */
final class TimerFunctions {
  private TimerFunctions() {}

  static List<HostCall> calls() {
    return List.of(HostCall.env("proxy_set_tick_period_milliseconds", 1, TimerFunctions::setTickPeriod));
  }

  private static long setTickPeriod(VmState vm, long[] a) {
    long period = GuestMemory.unsigned(a[0]);
    ContextState ctx = vm.effective;
    if (ctx == null) {
      return Status.NOT_FOUND.code();
    }
    ContextState root = ctx.root;
    VmState.cancelTick(root);
    if (period == 0) {
      return Status.OK.code();
    }
    try {
      root.tick = vm.host.executor().scheduleWithFixedDelay(() -> tick(vm, root), period, period, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException shutDown) {
      return Status.INTERNAL_FAILURE.code();
    }
    return Status.OK.code();
  }

  private static void tick(VmState vm, ContextState root) {
    if (root.closed || vm.closed() || vm.failState() != io.wasmplane.wasm.FailState.OK) {
      VmState.cancelTick(root);
      return;
    }
    try {
      vm.invoke(root, Callback.ON_TICK, 0, root.id);
    } catch (RuntimeException failed) {
      VmState.cancelTick(root); // the VM is failed and logged by invoke
    }
  }
}
