package io.wasmplane.wasm;

/** Envoy's {@code FailState} of a VM. Anything but OK means the VM takes no more callbacks. */
public enum FailState {
  OK,
  UNABLE_TO_CREATE_VM,
  UNABLE_TO_CLONE_VM,
  MISSING_FUNCTION,
  UNABLE_TO_INITIALIZE_CODE,
  START_FAILED,
  CONFIGURE_FAILED,
  RUNTIME_ERROR
}
