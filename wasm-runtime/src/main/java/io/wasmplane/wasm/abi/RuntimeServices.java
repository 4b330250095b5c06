package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.ForeignFunctions;
import io.wasmplane.wasm.PluginMetrics;
import io.wasmplane.wasm.SharedData;
import io.wasmplane.wasm.SharedQueues;

/** The process-wide parts every VM of a runtime shares. */
public record RuntimeServices(
    SharedData sharedData,
    SharedQueues sharedQueues,
    PluginMetrics metrics,
    ForeignFunctions foreignFunctions,
    Watchdog watchdog,
    long callTimeoutNanos,
    int maxMemoryPages) {

  /** Start-up and configuration calls (`_initialize`, `on_vm_start`, `on_configure`) get a longer budget. */
  long startTimeoutNanos() {
    return Math.max(callTimeoutNanos * 10, 5_000_000_000L);
  }
}
