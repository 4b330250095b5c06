package io.wasmplane.wasm;

import io.wasmplane.wasm.abi.Callback;
import io.wasmplane.wasm.abi.ContextState;
import io.wasmplane.wasm.abi.VmState;
import io.wasmplane.wasm.host.ContextHost;

/** A plugin's root context in one VM: creates stream contexts, gets ticks, queue and call callbacks. */
public final class RootContext extends PluginContext {
  RootContext(VmState vm, ContextState state) {
    super(vm, state);
  }

  /** A context for one HTTP stream: {@code proxy_on_context_create(id, root id)}. */
  public HttpContext newHttpContext(ContextHost host) {
    return new HttpContext(vm, vm.createStream(state, ContextState.Kind.HTTP, host), state.plugin());
  }

  /** A context for one connection: {@code proxy_on_context_create(id, root id)}. */
  public NetworkContext newNetworkContext(ContextHost host) {
    return new NetworkContext(vm, vm.createStream(state, ContextState.Kind.NETWORK, host));
  }

  /**
   * Access logging: {@code proxy_on_log} on the root context, with {@code streamView} giving the logged stream's
   * maps and properties for the duration of the call (Envoy's access logger).
   */
  public void onLog(ContextHost streamView) {
    vm.invokeWithHost(state, streamView, Callback.ON_LOG, state.id());
  }

  /** {@code proxy_on_foreign_function(root, function_id, args_size)} with FOREIGN_FUNCTION_ARGUMENTS readable. */
  public void onForeignFunction(int functionId, byte[] arguments) {
    vm.invokeForeign(state, functionId, arguments);
  }

  /**
   * Envoy's stat sink: {@code envoy_on_stats_update(root, size)} with {@code buffer} (Envoy's stats layout, built by
   * the embedder) readable as buffer type 8 during the call.
   */
  public void onStatsUpdate(byte[] buffer) {
    vm.invokeStatsUpdate(state, buffer);
  }

  /** Whether the plugin said "not done" from on_done and has not called proxy_done yet. */
  public boolean isPendingDone() {
    return vm.pendingDone(state);
  }
}
