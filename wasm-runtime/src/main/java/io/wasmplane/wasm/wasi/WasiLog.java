package io.wasmplane.wasm.wasi;

import io.wasmplane.wasm.LogLevel;

/** Where the plugin's stdout (INFO) and stderr (ERROR) lines go; the runtime forwards them to {@code VmHost.log}. */
@FunctionalInterface
public interface WasiLog {
  void log(LogLevel level, String message);
}
