package io.wasmplane.wasm.sdk;

import io.wasmplane.wasm.BufferType;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.StreamType;
import io.wasmplane.wasm.host.Buffer;
import io.wasmplane.wasm.host.ContextHost;
import io.wasmplane.wasm.host.HeaderMap;
import io.wasmplane.wasm.host.LocalResponse;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One HTTP stream as an embedder would expose it to a plugin: its header maps and bodies, plus a record of what the
 * plugin asked for (local replies, continues, closes). Properties answer from a map keyed by path segments.
 */
public final class StreamHost implements ContextHost {
  private final Map<MapType, ListHeaders> maps = new EnumMap<>(MapType.class);
  private final Map<BufferType, BytesBuffer> buffers = new EnumMap<>(BufferType.class);
  private final Map<List<String>, byte[]> properties = new HashMap<>();
  public final List<LocalResponse> localResponses = new CopyOnWriteArrayList<>();
  public final List<StreamType> continued = new CopyOnWriteArrayList<>();
  public final List<StreamType> closed = new CopyOnWriteArrayList<>();

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

  @Override
  public HeaderMap headerMap(MapType type) {
    return maps.get(type);
  }

  @Override
  public Buffer buffer(BufferType type) {
    return buffers.get(type);
  }

  @Override
  public Status sendLocalResponse(LocalResponse response) {
    localResponses.add(response);
    return Status.OK;
  }

  @Override
  public Status continueStream(StreamType type) {
    continued.add(type);
    return Status.OK;
  }

  @Override
  public Status closeStream(StreamType type) {
    closed.add(type);
    return Status.OK;
  }

  @Override
  public byte[] property(List<String> path) {
    byte[] value = properties.get(path);
    return value == null ? null : value.clone();
  }
}
