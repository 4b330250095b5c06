package io.wasmplane.dataplane.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Connection-specific headers that must not cross the proxy, and Netty's HTTP/2 conversion headers. */
final class HopByHop {
  private static final AsciiString X_HTTP2 = AsciiString.cached("x-http2-");
  private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

  private HopByHop() {}

  static void strip(HttpHeaders h) {
    String connection = h.get(HttpHeaderNames.CONNECTION);
    if (connection != null) {
      for (String token : connection.split(",")) {
        String t = token.trim();
        if (!t.isEmpty()) {
          h.remove(t);
        }
      }
    }
    h.remove(HttpHeaderNames.CONNECTION);
    h.remove(HttpHeaderNames.KEEP_ALIVE);
    h.remove(HttpHeaderNames.PROXY_CONNECTION);
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    h.remove(HttpHeaderNames.UPGRADE);
    h.remove(HTTP2_SETTINGS);
    String te = h.get(HttpHeaderNames.TE);
    if (te != null && !te.trim().equalsIgnoreCase("trailers")) {
      h.remove(HttpHeaderNames.TE);
    }
    List<CharSequence> ext = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
      CharSequence name = it.next().getKey(); // no String copies of every header name
      if (name.length() > 8 && AsciiString.regionMatches(name, true, 0, X_HTTP2, 0, 8)) {
        if (ext == null) {
          ext = new ArrayList<>(2);
        }
        ext.add(name);
      }
    }
    if (ext != null) {
      ext.forEach(h::remove);
    }
  }
}
