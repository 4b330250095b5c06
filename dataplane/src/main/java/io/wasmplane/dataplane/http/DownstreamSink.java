package io.wasmplane.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

/** Where a stream's encoded response goes: the downstream codec of an HTTP/1.1 connection or an HTTP/2 stream. */
public interface DownstreamSink {
  void writeHeaders(HttpResponse response, boolean end);

  void writeData(ByteBuf data, boolean end);

  void writeTrailers(HttpHeaders trailers);

  /** Abort the downstream stream (HTTP/1.1: close the connection; HTTP/2: RST_STREAM). */
  void reset();

  /** Flow control: stop (or resume) reading the request from the client while the upstream cannot take more. */
  void setReadingPaused(boolean paused);

  /**
   * The chosen route's idle_timeout replaces the stream idle timeout from now on (0 turns it off); a sink without a
   * stream idle timer ignores it.
   */
  default void setStreamIdleTimeout(long millis) {}

  /** The stream finished (response fully written or reset); the sink may take the next request. */
  void streamFinished(HttpStream stream);
}
