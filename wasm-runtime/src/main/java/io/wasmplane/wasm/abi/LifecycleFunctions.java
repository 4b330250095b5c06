package io.wasmplane.wasm.abi;

import static io.wasmplane.wasm.abi.HostCall.I32;

import io.wasmplane.wasm.Status;
import java.util.List;

/**
 * {@code proxy_set_effective_context}, {@code proxy_done}, and the small non-proxy imports emscripten-built
 * modules need ({@code env.emscripten_notify_memory_growth}, {@code env.pthread_equal}).
 */
final class LifecycleFunctions {
  private LifecycleFunctions() {}

  static List<HostCall> calls() {
    return List.of(
        HostCall.env("proxy_set_effective_context", 1, (vm, a) -> {
          ContextState target = vm.context((int) a[0]);
          if (target == null || target.closed) {
            return Status.BAD_ARGUMENT.code();
          }
          vm.effective = target; // until the current callback returns, as cpp-host
          return Status.OK.code();
        }),
        HostCall.env("proxy_done", 0, LifecycleFunctions::done),
        HostCall.env("emscripten_notify_memory_growth", List.of(I32), List.of(), true, (vm, a) -> 0),
        HostCall.env("pthread_equal", List.of(I32, I32), List.of(I32), true, (vm, a) -> a[0] == a[1] ? 1 : 0));
  }

  /** A root context that answered "not done" from on_done now says it is done: on_delete follows. */
  private static long done(VmState vm, long[] a) {
    ContextState ctx = vm.effective;
    if (ctx == null || !ctx.pendingDone) {
      return Status.NOT_FOUND.code();
    }
    ctx.pendingDone = false;
    vm.runLater("proxy_on_delete", () -> vm.delete(ctx));
    return Status.OK.code();
  }
}
