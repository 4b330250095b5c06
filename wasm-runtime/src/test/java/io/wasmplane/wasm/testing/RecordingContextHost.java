package io.wasmplane.wasm.testing;

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
 * One context's host for tests, shared by the abi and sdk test packages: header maps and buffers by type, properties
 * keyed by path segments, and a record of what the plugin asked for (local replies, continues, closes).
 *
 * @param <M> the test's header map type
 * @param <B> the test's buffer type
 */
public class RecordingContextHost<M extends HeaderMap, B extends Buffer> implements ContextHost {
  public final Map<MapType, M> maps = new EnumMap<>(MapType.class);
  public final Map<BufferType, B> buffers = new EnumMap<>(BufferType.class);
  public final Map<List<String>, byte[]> properties = new HashMap<>();
  public final List<LocalResponse> localResponses = new CopyOnWriteArrayList<>();
  public final List<StreamType> continued = new CopyOnWriteArrayList<>();
  public final List<StreamType> closed = new CopyOnWriteArrayList<>();
  /** Continues and closes in the order asked, as "continue TYPE" / "close TYPE". */
  public final List<String> streamActions = new CopyOnWriteArrayList<>();

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
    streamActions.add("continue " + type);
    return Status.OK;
  }

  @Override
  public Status closeStream(StreamType type) {
    closed.add(type);
    streamActions.add("close " + type);
    return Status.OK;
  }

  @Override
  public byte[] property(List<String> path) {
    byte[] value = properties.get(path);
    return value == null ? null : value.clone();
  }
}
