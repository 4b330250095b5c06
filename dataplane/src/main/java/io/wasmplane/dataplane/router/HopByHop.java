package io.wasmplane.dataplane.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Connection-specific headers that must not cross the proxy, and Netty's HTTP/2 conversion headers. */
final class HopByHop {
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
    h.remove("http2-settings");
    String te = h.get(HttpHeaderNames.TE);
    if (te != null && !te.trim().equalsIgnoreCase("trailers")) {
      h.remove(HttpHeaderNames.TE);
    }
    List<String> ext = new ArrayList<>();
    for (Map.Entry<String, String> e : h) {
      if (e.getKey().regionMatches(true, 0, "x-http2-", 0, 8)) {
        ext.add(e.getKey());
      }
    }
    ext.forEach(h::remove);
  }
}
