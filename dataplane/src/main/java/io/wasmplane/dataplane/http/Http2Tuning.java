package io.wasmplane.dataplane.http;

import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Settings;
import io.wasmplane.dataplane.config.Http2Options;

/** What {@link Http2Options} means on a Netty HTTP/2 connection, shared by the downstream and upstream codecs. */
public final class Http2Tuning {
  private Http2Tuning() {}

  /** The SETTINGS we advertise: HPACK table, stream window, concurrent streams, extended CONNECT. */
  public static Http2Settings settings(Http2Options o) {
    Http2Settings s = Http2Settings.defaultSettings()
        .headerTableSize(o.hpackTableSize())
        .initialWindowSize(o.initialStreamWindowSize())
        .maxConcurrentStreams(o.maxConcurrentStreams());
    if (o.allowConnect()) {
      s.connectProtocolEnabled(true); // RFC 8441: clients may open extended CONNECT streams (WebSocket over h2)
    }
    return s;
  }

  /**
   * How much to add to the connection-level receive window (65535 until a WINDOW_UPDATE on stream 0 raises it; SETTINGS
   * cannot) so that it becomes {@code initial_connection_window_size}; zero when it already is.
   */
  public static int connectionWindowDelta(Http2Connection connection, Http2Options o) {
    int current = connection.local().flowController().windowSize(connection.connectionStream());
    return Math.max(0, o.initialConnectionWindowSize() - current);
  }

  /** Sends the connection WINDOW_UPDATE (call after the preface went out, on the connection's loop). */
  public static void raiseConnectionWindow(Http2Connection connection, Http2Options o) throws Http2Exception {
    int delta = connectionWindowDelta(connection, o);
    if (delta > 0) {
      connection.local().flowController().incrementWindowSize(connection.connectionStream(), delta);
    }
  }
}
