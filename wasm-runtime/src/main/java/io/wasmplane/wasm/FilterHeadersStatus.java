package io.wasmplane.wasm;

/** What a headers callback asks of the filter chain (cpp-sdk FilterHeadersStatus, as Envoy maps it). */
public enum FilterHeadersStatus {
  CONTINUE,
  STOP_ITERATION,
  CONTINUE_AND_END_STREAM,
  STOP_ALL_ITERATION_AND_BUFFER,
  STOP_ALL_ITERATION_AND_WATERMARK;

  /**
   * Envoy's conversion of the plugin's return value: anything above 4 becomes STOP_ALL_ITERATION_AND_WATERMARK,
   * and so does StopIteration (1) unless the plugin config allows a real StopIteration (cpp-host #143).
   */
  public static FilterHeadersStatus fromAbi(long value, boolean allowStopIteration) {
    if (value == 0) {
      return CONTINUE;
    }
    if (value == 1) {
      return allowStopIteration ? STOP_ITERATION : STOP_ALL_ITERATION_AND_WATERMARK;
    }
    if (value == 2) {
      return CONTINUE_AND_END_STREAM;
    }
    if (value == 3) {
      return STOP_ALL_ITERATION_AND_BUFFER;
    }
    return STOP_ALL_ITERATION_AND_WATERMARK;
  }
}
