package io.wasmplane.wasm;

import io.wasmplane.wasm.abi.Callback;
import io.wasmplane.wasm.abi.ContextState;
import io.wasmplane.wasm.abi.VmState;

/** One connection's context (L4): the same context serves downstream and upstream. */
public final class NetworkContext extends PluginContext {
  NetworkContext(VmState vm, ContextState state) {
    super(vm, state);
  }

  public FilterStatus onNewConnection() {
    return FilterStatus.fromAbi(vm.invoke(state, Callback.ON_NEW_CONNECTION, 0, state.id()));
  }

  public FilterStatus onDownstreamData(int size, boolean endOfStream) {
    return FilterStatus.fromAbi(
        vm.invoke(state, Callback.ON_DOWNSTREAM_DATA, 0, state.id(), size, endOfStream ? 1 : 0));
  }

  public FilterStatus onUpstreamData(int size, boolean endOfStream) {
    return FilterStatus.fromAbi(vm.invoke(state, Callback.ON_UPSTREAM_DATA, 0, state.id(), size, endOfStream ? 1 : 0));
  }

  public void onDownstreamConnectionClose(PeerType peer) {
    vm.invoke(state, Callback.ON_DOWNSTREAM_CONNECTION_CLOSE, 0, state.id(), peer.ordinal());
  }

  public void onUpstreamConnectionClose(PeerType peer) {
    vm.invoke(state, Callback.ON_UPSTREAM_CONNECTION_CLOSE, 0, state.id(), peer.ordinal());
  }

  /** {@code proxy_on_log}: the connection is complete (call before {@link #close()}). */
  public void onLog() {
    vm.invoke(state, Callback.ON_LOG, 0, state.id());
  }
}
