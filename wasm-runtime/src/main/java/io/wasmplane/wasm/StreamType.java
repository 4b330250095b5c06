package io.wasmplane.wasm;

/** {@code proxy_stream_type_t}: which direction {@code proxy_continue_stream}/{@code proxy_close_stream} act on. */
public enum StreamType {
  HTTP_REQUEST,
  HTTP_RESPONSE,
  DOWNSTREAM,
  UPSTREAM;

  private static final StreamType[] VALUES = values();

  public static StreamType fromAbi(int value) {
    return value >= 0 && value < VALUES.length ? VALUES[value] : null;
  }
}
