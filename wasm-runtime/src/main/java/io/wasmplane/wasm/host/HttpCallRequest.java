package io.wasmplane.wasm.host;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A {@code proxy_http_call}: to the upstream (cluster) named {@code upstream}. */
public record HttpCallRequest(
    String upstream,
    List<Map.Entry<String, String>> headers,
    byte[] body,
    List<Map.Entry<String, String>> trailers,
    Duration timeout) {}
