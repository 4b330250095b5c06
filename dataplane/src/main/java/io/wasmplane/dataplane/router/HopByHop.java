package io.wasmplane.dataplane.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.wasmplane.dataplane.http.ArrayHttpHeaders;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Connection-specific headers that must not cross the proxy, and Netty's HTTP/2 conversion headers. */
final class HopByHop {
  private static final AsciiString X_HTTP2 = AsciiString.cached("x-http2-");
  private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

  private HopByHop() {}

  /**
   * One pass over the names finds what must go (usually nothing but a "connection" header): far cheaper than a
   * hashed remove per hop-by-hop name on every request and response.
   */
  static void strip(HttpHeaders h) {
    List<CharSequence> drop = null;
    String connection = null;
    boolean te = false;
    if (h instanceof ArrayHttpHeaders a) { // the usual map: indexed reads, no entry objects, nothing more when clean
      for (int i = 0, n = a.size(); i < n; i++) {
        CharSequence name = a.nameAt(i);
        if (isTe(name)) {
          te = true;
        } else if (isHopByHop(name)) {
          if (connection == null && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)) {
            connection = a.valueAt(i);
          }
          drop = add(drop, name);
        }
      }
    } else {
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> e = it.next();
        CharSequence name = e.getKey(); // no String copies of every header name
        if (isTe(name)) {
          te = true;
        } else if (isHopByHop(name)) {
          if (connection == null && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)) {
            connection = e.getValue().toString();
          }
          drop = add(drop, name);
        }
      }
    }
    if (connection != null) {
      removeNamedBy(h, connection);
    }
    if (drop != null) {
      drop.forEach(h::remove);
    }
    if (te) {
      String value = h.get(HttpHeaderNames.TE);
      if (value != null && !value.trim().equalsIgnoreCase("trailers")) {
        h.remove(HttpHeaderNames.TE);
      }
    }
  }

  private static List<CharSequence> add(List<CharSequence> drop, CharSequence name) {
    List<CharSequence> d = drop == null ? new ArrayList<>(2) : drop;
    d.add(name);
    return d;
  }

  /** Removes the headers a Connection value names (comma-separated tokens; usually just "keep-alive" or "close"). */
  private static void removeNamedBy(HttpHeaders h, String connection) {
    int start = 0;
    while (start <= connection.length()) {
      int comma = connection.indexOf(',', start);
      int end = comma < 0 ? connection.length() : comma;
      String t = connection.substring(start, end).trim();
      if (!t.isEmpty()) {
        h.remove(t);
      }
      if (comma < 0) {
        break;
      }
      start = comma + 1;
    }
  }

  private static boolean isTe(CharSequence name) {
    return name.length() == 2 && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE);
  }

  private static boolean isHopByHop(CharSequence name) {
    if (name.length() > 8 && AsciiString.regionMatches(name, true, 0, X_HTTP2, 0, 8)) {
      return true;
    }
    return switch (name.length()) {
      case 7 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE);
      case 10 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)
          || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.KEEP_ALIVE);
      case 14 -> AsciiString.contentEqualsIgnoreCase(name, HTTP2_SETTINGS);
      case 16 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.PROXY_CONNECTION);
      case 17 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING);
      default -> false;
    };
  }
}
