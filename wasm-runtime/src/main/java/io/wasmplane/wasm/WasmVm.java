package io.wasmplane.wasm;

import io.wasmplane.wasm.abi.VmState;
import io.wasmplane.wasm.host.ContextHost;

/**
 * One Chicory instance of a plugin module (Envoy's WasmBase): one per (vm_id, worker). Single-threaded: use it only
 * on its {@code VmHost.executor()} thread. Several plugins (root ids) may share it.
 */
public final class WasmVm implements AutoCloseable {
  private final VmState state;

  WasmVm(VmState state) {
    this.state = state;
  }

  /**
   * Creates a plugin's root context as cpp-host does: {@code proxy_on_context_create(id, 0)}, then on the VM's
   * first root context {@code proxy_on_vm_start(id, vm_config_size)}, then
   * {@code proxy_on_configure(id, plugin_config_size)}.
   *
   * @throws WasmException START_FAILED when on_vm_start returns false (the VM is then failed), CONFIGURE_FAILED
   *     when on_configure returns false (only this plugin is refused), with the plugin failure as cause when it
   *     trapped
   * @throws IllegalStateException when this VM already has a root context for the root id
   */
  public RootContext createRootContext(PluginConfig plugin, ContextHost host) throws WasmException {
    return new RootContext(state, state.createRoot(plugin, host));
  }

  /** OK until a callback fails or the VM could not start; then every callback throws at once. */
  public FailState failState() {
    return state.failState();
  }

  public long memorySizeBytes() {
    return state.memorySizeBytes();
  }

  public String vmId() {
    return state.vmId();
  }

  public AbiVersion abiVersion() {
    return state.abi();
  }

  /** Drops the VM without calling plugin code (timers stop, pending calls are forgotten). */
  @Override
  public void close() {
    state.close();
  }
}
