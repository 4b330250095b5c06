package io.wasmplane.dataplane.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

/** Receives an upstream response; called on the stream's event loop. */
public interface UpstreamListener {
  void onUpstreamHeaders(HttpResponse response, boolean end);

  void onUpstreamData(ByteBuf data, boolean end);

  void onUpstreamTrailers(HttpHeaders trailers);

  /** The upstream socket's writability changed (flow control). */
  default void onUpstreamWritabilityChanged(boolean writable) {}

  /** The upstream stream failed; no further callbacks follow. */
  void onUpstreamReset(ResetReason reason, String detail);
}
