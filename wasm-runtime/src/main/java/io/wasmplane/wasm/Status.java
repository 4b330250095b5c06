package io.wasmplane.wasm;

/** {@code proxy_status_t}: what every Proxy-Wasm host function returns (spec "Types", plus the SDKs' WasmResult codes). */
public enum Status {
  OK(0),
  NOT_FOUND(1),
  BAD_ARGUMENT(2),
  SERIALIZATION_FAILURE(3),
  PARSE_FAILURE(4),
  BAD_EXPRESSION(5),
  INVALID_MEMORY_ACCESS(6),
  EMPTY(7),
  CAS_MISMATCH(8),
  RESULT_MISMATCH(9),
  INTERNAL_FAILURE(10),
  BROKEN_CONNECTION(11),
  UNIMPLEMENTED(12);

  private final int code;

  Status(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
