package io.wasmplane.wasm.sdk;

import io.wasmplane.wasm.BufferType;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.testing.RecordingContextHost;
import java.util.List;

/**
 * One HTTP stream as an embedder would expose it to a plugin: its header maps and bodies, plus a record of what the
 * plugin asked for (local replies, continues, closes). Properties answer from a map keyed by path segments.
 */
public final class StreamHost extends RecordingContextHost<ListHeaders, BytesBuffer> {
  public StreamHost requestHeaders(ListHeaders headers) {
    maps.put(MapType.HTTP_REQUEST_HEADERS, headers);
    return this;
  }

  public StreamHost responseHeaders(ListHeaders headers) {
    maps.put(MapType.HTTP_RESPONSE_HEADERS, headers);
    return this;
  }

  public StreamHost requestBody(BytesBuffer body) {
    buffers.put(BufferType.HTTP_REQUEST_BODY, body);
    return this;
  }

  public StreamHost responseBody(BytesBuffer body) {
    buffers.put(BufferType.HTTP_RESPONSE_BODY, body);
    return this;
  }

  public StreamHost property(List<String> path, byte[] value) {
    properties.put(List.copyOf(path), value.clone());
    return this;
  }

  public ListHeaders map(MapType type) {
    return maps.get(type);
  }

  public BytesBuffer body(BufferType type) {
    return buffers.get(type);
  }
}
