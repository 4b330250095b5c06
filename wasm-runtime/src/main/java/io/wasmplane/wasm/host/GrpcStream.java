package io.wasmplane.wasm.host;

/** An open gRPC call or stream, as the host gives it back to the runtime. */
public interface GrpcStream {
  /** Sends a message; false when the stream is closed. */
  boolean send(byte[] message, boolean endOfStream);

  /** Cancels: no further callbacks are delivered. */
  void cancel();

  /** Half-closes / closes gracefully: a close callback still follows. */
  void close();
}
