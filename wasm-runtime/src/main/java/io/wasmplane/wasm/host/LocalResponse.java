package io.wasmplane.wasm.host;

import java.util.List;
import java.util.Map;

/** What {@code proxy_send_local_response} asks for. {@code grpcStatus} is -1 when the plugin passed none. */
public record LocalResponse(
    int statusCode, String details, byte[] body, List<Map.Entry<String, String>> headers, int grpcStatus) {}
