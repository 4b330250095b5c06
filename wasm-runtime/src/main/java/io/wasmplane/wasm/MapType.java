package io.wasmplane.wasm;

/** {@code proxy_map_type_t}. */
public enum MapType {
  HTTP_REQUEST_HEADERS,
  HTTP_REQUEST_TRAILERS,
  HTTP_RESPONSE_HEADERS,
  HTTP_RESPONSE_TRAILERS,
  GRPC_CALL_INITIAL_METADATA,
  GRPC_CALL_TRAILING_METADATA,
  HTTP_CALL_RESPONSE_HEADERS,
  HTTP_CALL_RESPONSE_TRAILERS;

  private static final MapType[] VALUES = values();

  /** The map type for an ABI value, or null when the plugin passed an unknown one. */
  public static MapType fromAbi(int value) {
    return value >= 0 && value < VALUES.length ? VALUES[value] : null;
  }
}
