package io.wasmplane.wasm;

/** {@code proxy_buffer_type_t}. */
public enum BufferType {
  HTTP_REQUEST_BODY,
  HTTP_RESPONSE_BODY,
  DOWNSTREAM_DATA,
  UPSTREAM_DATA,
  HTTP_CALL_RESPONSE_BODY,
  GRPC_CALL_MESSAGE,
  VM_CONFIGURATION,
  PLUGIN_CONFIGURATION,
  FOREIGN_FUNCTION_ARGUMENTS;

  private static final BufferType[] VALUES = values();

  /** The buffer type for an ABI value, or null when the plugin passed an unknown one. */
  public static BufferType fromAbi(int value) {
    return value >= 0 && value < VALUES.length ? VALUES[value] : null;
  }
}
