package io.wasmplane.wasm;

/** {@code proxy_metric_type_t}. */
public enum MetricType {
  COUNTER,
  GAUGE,
  HISTOGRAM;

  private static final MetricType[] VALUES = values();

  public static MetricType fromAbi(int value) {
    return value >= 0 && value < VALUES.length ? VALUES[value] : null;
  }
}
