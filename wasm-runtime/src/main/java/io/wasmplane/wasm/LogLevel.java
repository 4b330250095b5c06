package io.wasmplane.wasm;

/** {@code proxy_log_level_t}. */
public enum LogLevel {
  TRACE,
  DEBUG,
  INFO,
  WARN,
  ERROR,
  CRITICAL;

  private static final LogLevel[] VALUES = values();

  public static LogLevel fromAbi(int value) {
    return value >= 0 && value < VALUES.length ? VALUES[value] : null;
  }
}
