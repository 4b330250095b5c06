package io.wasmplane.wasm;

/** What a trailers callback asks of the filter chain (cpp-sdk FilterTrailersStatus). */
public enum FilterTrailersStatus {
  CONTINUE,
  STOP_ITERATION;

  /** 0 continues; anything else stops, as cpp-host converts it. */
  public static FilterTrailersStatus fromAbi(long value) {
    return value == 0 ? CONTINUE : STOP_ITERATION;
  }
}
