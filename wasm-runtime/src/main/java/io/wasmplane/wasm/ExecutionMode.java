package io.wasmplane.wasm;

/** How plugin code runs: Chicory's compiler (Wasm to JVM bytecode, the default) or its interpreter (a fallback). */
public enum ExecutionMode {
  COMPILED,
  INTERPRETED
}
