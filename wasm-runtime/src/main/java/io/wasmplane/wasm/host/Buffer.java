package io.wasmplane.wasm.host;

/** A body or data buffer the host exposes to a plugin (request/response body, downstream/upstream data, ...). */
public interface Buffer {
  int length();

  /** Up to {@code maxSize} bytes from {@code start}; an empty array when {@code start >= length()}. */
  byte[] read(int start, int maxSize);

  /**
   * {@code proxy_set_buffer_bytes} semantics: start=0,size=0 prepends; start>=length appends; otherwise
   * replaces {@code size} bytes at {@code start} with {@code data}. Returns false when the buffer is read-only.
   */
  boolean set(int start, int size, byte[] data);
}
