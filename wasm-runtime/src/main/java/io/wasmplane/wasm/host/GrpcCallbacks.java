package io.wasmplane.wasm.host;

import java.util.List;
import java.util.Map;

/** What a gRPC call or stream reports back; the runtime turns each into the matching plugin callback. */
public interface GrpcCallbacks {
  void onInitialMetadata(List<Map.Entry<String, String>> metadata);

  void onMessage(byte[] message);

  void onTrailingMetadata(List<Map.Entry<String, String>> metadata);

  /** The call or stream ended with this gRPC status (0 = OK) and message. */
  void onClose(int grpcStatus, String message);
}
