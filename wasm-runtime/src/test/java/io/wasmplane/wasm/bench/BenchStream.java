package io.wasmplane.wasm.bench;

import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.host.ContextHost;
import io.wasmplane.wasm.host.HeaderMap;

/**
 * One request as our runtime asks for it: the two header maps, nothing else; the counterpart of the peer's
 * request adaptor, so neither contender pays for a heavier per-request object than the other.
 */
final class BenchStream implements ContextHost {
  final ArrayHeaders request = new ArrayHeaders(BenchHeaders.REQUEST);
  final ArrayHeaders response = new ArrayHeaders(BenchHeaders.RESPONSE);

  @Override
  public HeaderMap headerMap(MapType type) {
    switch (type) {
      case HTTP_REQUEST_HEADERS:
        return request;
      case HTTP_RESPONSE_HEADERS:
        return response;
      default:
        return null;
    }
  }
}
