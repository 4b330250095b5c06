package io.wasmplane.dataplane.wasm;

/**
 * envoy.extensions.wasm.v3.FailurePolicy, resolved: FAIL_CLOSED answers 503 (details wasm_fail_stream), FAIL_OPEN
 * skips the plugin, FAIL_RELOAD replaces a VM that failed at run time with a fresh one after the reload backoff.
 */
public enum FailMode {
  FAIL_CLOSED,
  FAIL_OPEN,
  FAIL_RELOAD
}
