package io.wasmplane.wasm;

/** What a body callback asks of the filter chain (cpp-sdk FilterDataStatus). */
public enum FilterDataStatus {
  CONTINUE,
  STOP_ITERATION_AND_BUFFER,
  STOP_ITERATION_AND_WATERMARK,
  STOP_ITERATION_NO_BUFFER;

  private static final FilterDataStatus[] VALUES = values(); // values() clones its array on every call

  /** Values outside 0..3 become STOP_ITERATION_NO_BUFFER, as cpp-host converts them. */
  public static FilterDataStatus fromAbi(long value) {
    if (value >= 0 && value <= 2) {
      return VALUES[(int) value];
    }
    return STOP_ITERATION_NO_BUFFER;
  }
}
