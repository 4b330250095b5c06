package io.wasmplane.wasm.host;

import java.util.List;
import java.util.Map;

/**
 * The outcome of a {@code proxy_http_call}. A failed call (reset, timeout, no healthy upstream) has no headers and
 * {@code failed()} true; the plugin then sees 0 headers, as Envoy delivers it.
 */
public record HttpCallResponse(
    List<Map.Entry<String, String>> headers, byte[] body, List<Map.Entry<String, String>> trailers, boolean failed) {

  public static HttpCallResponse failure() {
    return new HttpCallResponse(List.of(), new byte[0], List.of(), true);
  }
}
