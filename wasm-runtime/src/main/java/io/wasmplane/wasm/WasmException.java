package io.wasmplane.wasm;

/** A module that cannot load, a VM that cannot start, or a plugin that rejects its configuration. */
public class WasmException extends Exception {
  private final FailState failState;

  public WasmException(FailState failState, String message) {
    super(message);
    this.failState = failState;
  }

  public WasmException(FailState failState, String message, Throwable cause) {
    super(message, cause);
    this.failState = failState;
  }

  public FailState failState() {
    return failState;
  }
}
