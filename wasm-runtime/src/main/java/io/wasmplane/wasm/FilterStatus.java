package io.wasmplane.wasm;

/** What a network (L4) callback asks of the filter chain (cpp-sdk FilterStatus). */
public enum FilterStatus {
  CONTINUE,
  STOP_ITERATION;

  /** 0 continues; anything else stops. */
  public static FilterStatus fromAbi(long value) {
    return value == 0 ? CONTINUE : STOP_ITERATION;
  }
}
