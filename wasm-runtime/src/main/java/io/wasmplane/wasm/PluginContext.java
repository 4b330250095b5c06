package io.wasmplane.wasm;

import io.wasmplane.wasm.abi.ContextState;
import io.wasmplane.wasm.abi.VmState;

/** A plugin context: what the three kinds (root, HTTP stream, connection) share. Use on the VM's thread only. */
public abstract class PluginContext implements AutoCloseable {
  final VmState vm;
  final ContextState state;

  PluginContext(VmState vm, ContextState state) {
    this.vm = vm;
    this.state = state;
  }

  /** The context id the plugin sees; unique within the VM, never reused. */
  public int id() {
    return state.id();
  }

  public boolean isClosed() {
    return state.closed();
  }

  /** The plugin's name (PluginConfig.name). */
  public String pluginName() {
    return state.plugin().name();
  }

  /**
   * Ends the context: {@code proxy_on_done} then {@code proxy_on_delete}. A root context whose on_done answers
   * false stays until the plugin calls {@code proxy_done}. On a failed VM the context is just dropped.
   *
   * @throws PluginFailureException when the plugin fails in these callbacks
   */
  @Override
  public void close() {
    vm.close(state);
  }
}
