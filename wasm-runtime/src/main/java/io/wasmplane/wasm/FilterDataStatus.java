package io.wasmplane.wasm;

/** What a body callback asks of the filter chain (cpp-sdk FilterDataStatus). */
public enum FilterDataStatus {
  CONTINUE,
  STOP_ITERATION_AND_BUFFER,
  STOP_ITERATION_AND_WATERMARK,
  STOP_ITERATION_NO_BUFFER;

  /** Values outside 0..3 become STOP_ITERATION_NO_BUFFER, as cpp-host converts them. */
  public static FilterDataStatus fromAbi(long value) {
    if (value >= 0 && value <= 2) {
      return values()[(int) value];
    }
    return STOP_ITERATION_NO_BUFFER;
  }
}
