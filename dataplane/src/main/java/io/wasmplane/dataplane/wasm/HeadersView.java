package io.wasmplane.dataplane.wasm;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.wasmplane.wasm.host.HeaderMap;
import java.util.ArrayList;
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

  private HeadersView(HttpRequest request, HttpResponse response, HttpHeaders headers, boolean tls, boolean writable) {
    this.request = request;
    this.response = response;
    this.headers = headers;
    this.tls = tls;
    this.writable = writable;
  }

  public static HeadersView request(HttpRequest r, boolean tls, boolean writable) {
    return new HeadersView(r, null, r.headers(), tls, writable);
  }

  public static HeadersView response(HttpResponse r, boolean writable) {
    return new HeadersView(null, r, r.headers(), false, writable);
  }

  public static HeadersView trailers(HttpHeaders h, boolean writable) {
    return new HeadersView(null, null, h, false, writable);
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
    String k = key.toLowerCase(Locale.ROOT);
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
      return Integer.toString(response.status().code());
    }
    List<String> all = headers.getAll(k);
    return all.isEmpty() ? null : String.join(",", all);
  }

  @Override
  public void add(String key, String value) {
    String k = key.toLowerCase(Locale.ROOT);
    if (!setPseudo(k, value)) {
      headers.add(k, value);
    }
  }

  @Override
  public void replace(String key, String value) {
    String k = key.toLowerCase(Locale.ROOT);
    if (!setPseudo(k, value)) {
      headers.set(k, value);
    }
  }

  @Override
  public void remove(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    if (k.startsWith(":")) {
      return; // pseudo-headers cannot be removed
    }
    headers.remove(k);
  }

  @Override
  public void setAll(List<Map.Entry<String, String>> entries) {
    headers.clear();
    for (Map.Entry<String, String> e : entries) {
      add(e.getKey(), e.getValue());
    }
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
