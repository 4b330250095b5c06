package io.wasmplane.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * A per-stream HTTP filter (Envoy's StreamFilter). Decode callbacks see the request in filter order, encode callbacks
 * see the response in reverse order. All callbacks run on the stream's event loop. Headers are mutable in place; a
 * body buffer passed to a data callback may be modified or replaced through {@link FilterCallbacks}.
 */
public interface HttpFilter {
  default FilterStatus decodeHeaders(HttpRequest request, boolean endStream) {
    return FilterStatus.CONTINUE;
  }

  default FilterStatus decodeData(ByteBuf data, boolean endStream) {
    return FilterStatus.CONTINUE;
  }

  default FilterStatus decodeTrailers(HttpHeaders trailers) {
    return FilterStatus.CONTINUE;
  }

  default FilterStatus encodeHeaders(HttpResponse response, boolean endStream) {
    return FilterStatus.CONTINUE;
  }

  default FilterStatus encodeData(ByteBuf data, boolean endStream) {
    return FilterStatus.CONTINUE;
  }

  default FilterStatus encodeTrailers(HttpHeaders trailers) {
    return FilterStatus.CONTINUE;
  }

  /** The stream ended (completed or reset); release per-stream resources. Called exactly once. */
  default void onDestroy() {}
}
