package io.wasmplane.wasm.host;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A {@code proxy_grpc_call} or {@code proxy_grpc_stream}. {@code message} is null for a stream. */
public record GrpcCallRequest(
    String upstream,
    String service,
    String method,
    List<Map.Entry<String, String>> initialMetadata,
    byte[] message,
    Duration timeout) {}
