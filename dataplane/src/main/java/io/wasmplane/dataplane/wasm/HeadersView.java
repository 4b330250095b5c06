package io.wasmplane.dataplane.wasm;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.wasmplane.dataplane.http.ArrayHttpHeaders;
import io.wasmplane.wasm.host.HeaderMap;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Netty request/response/trailers header block as Proxy-Wasm sees it: lower-case names and Envoy's pseudo-headers
 * (:method, :path, :authority, :scheme for requests; :status for responses) first.
 */
public final class HeadersView implements HeaderMap {
  private final HttpRequest request;
  private final HttpResponse response;
  private final HttpHeaders headers;
  private final boolean tls;
  private final boolean writable;
  private final HeaderNames names;
  /** Told of every change (Envoy's Wasm filter clears the route cache when the request headers change); or null. */
  private final Runnable onChange;

  private HeadersView(HttpRequest request, HttpResponse response, HttpHeaders headers, boolean tls, boolean writable,
      HeaderNames names, Runnable onChange) {
    this.request = request;
    this.response = response;
    this.headers = headers;
    this.tls = tls;
    this.writable = writable;
    this.names = names;
    this.onChange = onChange;
  }

  /** A view whose lookups take names through the worker's {@code names} (its event loop only). */
  static HeadersView request(HttpRequest r, boolean tls, boolean writable, HeaderNames names) {
    return request(r, tls, writable, names, null);
  }

  /** The same, whose every change (add, replace, remove, set all) runs {@code onChange} afterwards (null: none). */
  static HeadersView request(HttpRequest r, boolean tls, boolean writable, HeaderNames names, Runnable onChange) {
    return new HeadersView(r, null, r.headers(), tls, writable, names, onChange);
  }

  static HeadersView response(HttpResponse r, boolean writable, HeaderNames names) {
    return new HeadersView(null, r, r.headers(), false, writable, names, null);
  }

  static HeadersView trailers(HttpHeaders h, boolean writable, HeaderNames names) {
    return new HeadersView(null, null, h, false, writable, names, null);
  }

  /** A view for listing its entries (property values), with no name table of its own. */
  public static HeadersView request(HttpRequest r, boolean tls, boolean writable) {
    return request(r, tls, writable, HeaderNames.UNCACHED);
  }

  public static HeadersView response(HttpResponse r, boolean writable) {
    return response(r, writable, HeaderNames.UNCACHED);
  }

  public static HeadersView trailers(HttpHeaders h, boolean writable) {
    return trailers(h, writable, HeaderNames.UNCACHED);
  }

  /** How many entries {@link #entries()} has, without building them (the count proxy_on_request_headers gets). */
  static int requestCount(HttpRequest r) {
    HttpHeaders h = r.headers();
    int n = h.size() + 4;
    if (h.contains("host")) {
      n--;
    }
    if (h.contains("x-http2-scheme")) {
      n--;
    }
    return n;
  }

  /** Whether this view is of {@code message}'s headers, with this writability. */
  boolean shows(Object message, boolean writable) {
    return (message == request || message == response) && message != null && this.writable == writable;
  }

  @Override
  public boolean writable() {
    return writable;
  }

  @Override
  public List<Map.Entry<String, String>> entries() {
    List<Map.Entry<String, String>> out = new ArrayList<>(headers.size() + 4);
    if (request != null) {
      out.add(Map.entry(":authority", nullToEmpty(headers.get("host"))));
      out.add(Map.entry(":path", request.uri()));
      out.add(Map.entry(":method", request.method().name()));
      out.add(Map.entry(":scheme", scheme()));
    } else if (response != null) {
      out.add(Map.entry(":status", Integer.toString(response.status().code())));
    }
    for (Map.Entry<String, String> e : headers) {
      String k = e.getKey().toLowerCase(Locale.ROOT);
      if (request != null && (k.equals("host") || k.startsWith("x-http2-"))) {
        continue;
      }
      out.add(Map.entry(k, e.getValue()));
    }
    return out;
  }

  private String scheme() {
    String s = headers.get("x-http2-scheme");
    return s != null ? s : tls ? "https" : "http";
  }

  @Override
  public String get(String key) {
    CharSequence k = names.of(key);
    if (pseudo(k)) {
      return getPseudo(k.toString());
    }
    return getRegular(k);
  }

  private static boolean pseudo(CharSequence k) {
    return k.length() > 0 && k.charAt(0) == ':';
  }

  private String getPseudo(String k) {
    if (request != null) {
      switch (k) {
        case ":authority":
          return headers.get("host");
        case ":path":
          return request.uri();
        case ":method":
          return request.method().name();
        case ":scheme":
          return scheme();
        default:
          break;
      }
    } else if (response != null && k.equals(":status")) {
      return response.status().codeAsText().toString();
    }
    return getRegular(k);
  }

  private String getRegular(CharSequence k) {
    if (headers instanceof ArrayHttpHeaders a) {
      return a.getJoined(k);
    }
    // Walks the values in place: no list per lookup (plugins read several headers per request).
    Iterator<? extends CharSequence> values = headers.valueCharSequenceIterator(k);
    if (!values.hasNext()) {
      return null;
    }
    CharSequence first = values.next();
    if (!values.hasNext()) {
      return first.toString();
    }
    StringBuilder joined = new StringBuilder(first);
    while (values.hasNext()) {
      joined.append(',').append(values.next());
    }
    return joined.toString();
  }

  /** Counts the block in place (the host's header-map limit), as {@link #entries()} would list it. */
  @Override
  public long byteSize(int perEntry) {
    long bytes = 0;
    if (request != null) {
      String host = headers.get("host");
      bytes += ":authority".length() + (host == null ? 0 : host.length()) + ":path".length() + request.uri().length()
          + ":method".length() + request.method().name().length() + ":scheme".length() + scheme().length() + 4L * perEntry;
    } else if (response != null) {
      bytes += ":status".length() + 3 + perEntry;
    }
    if (headers instanceof ArrayHttpHeaders a) {
      for (int i = 0, n = a.size(); i < n; i++) {
        bytes += entryBytes(a.nameAt(i), a.valueAt(i), perEntry);
      }
      return bytes;
    }
    Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      bytes += entryBytes(e.getKey(), e.getValue(), perEntry);
    }
    return bytes;
  }

  /** An entry's share of the size, or 0 for a request's host and x-http2-* (listed as pseudo-headers, or not at all). */
  private long entryBytes(CharSequence k, CharSequence v, int perEntry) {
    if (request != null && (AsciiString.contentEqualsIgnoreCase(k, "host")
        || AsciiString.regionMatches(k, true, 0, "x-http2-", 0, 8))) {
      return 0;
    }
    return k.length() + v.length() + perEntry;
  }

  @Override
  public void add(String key, String value) {
    CharSequence k = names.of(key);
    if (!pseudo(k) || !setPseudo(k.toString(), value)) {
      headers.add(k, value);
    }
    changed();
  }

  @Override
  public void replace(String key, String value) {
    CharSequence k = names.of(key);
    if (!pseudo(k) || !setPseudo(k.toString(), value)) {
      headers.set(k, value);
    }
    changed();
  }

  @Override
  public void remove(String key) {
    CharSequence k = names.of(key);
    if (pseudo(k)) {
      return; // pseudo-headers cannot be removed
    }
    headers.remove(k);
    changed();
  }

  private void changed() {
    if (onChange != null) {
      onChange.run();
    }
  }

  @Override
  public void setAll(List<Map.Entry<String, String>> entries) {
    headers.clear();
    for (Map.Entry<String, String> e : entries) {
      add(e.getKey(), e.getValue());
    }
    changed(); // also when the new set is empty
  }

  private boolean setPseudo(String k, String value) {
    if (request != null) {
      switch (k) {
        case ":authority":
          headers.set("host", value);
          return true;
        case ":path":
          request.setUri(value);
          return true;
        case ":method":
          request.setMethod(HttpMethod.valueOf(value));
          return true;
        case ":scheme":
          return true;
        default:
          return false;
      }
    }
    if (response != null && k.equals(":status")) {
      try {
        response.setStatus(HttpResponseStatus.valueOf(Integer.parseInt(value)));
      } catch (IllegalArgumentException e) {
        // not a status code: ignored, as Envoy leaves a bad :status to the codec
      }
      return true;
    }
    return k.startsWith(":");
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
