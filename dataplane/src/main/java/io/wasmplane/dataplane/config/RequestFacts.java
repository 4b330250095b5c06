package io.wasmplane.dataplane.config;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** What route matching reads of a request: method, path split from its query, headers (and the pseudo-headers). */
public record RequestFacts(String method, String uri, String path, String query, HttpHeaders headers, String scheme) {

  /** A request as the connection manager hands it on; the scheme is its x-forwarded-proto (default http). */
  public static RequestFacts of(io.netty.handler.codec.http.HttpRequest request) {
    String proto = request.headers().get("x-forwarded-proto");
    return of(request.method().name(), request.uri(), request.headers(), proto == null || proto.isEmpty() ? "http" : proto);
  }

  public static RequestFacts of(String method, String uri, HttpHeaders headers, String scheme) {
    int q = uri.indexOf('?');
    return new RequestFacts(method, uri, q < 0 ? uri : uri.substring(0, q), q < 0 ? null : uri.substring(q + 1), headers, scheme);
  }

  /** All values of a header, pseudo-headers included (":method", ":path", ":authority", ":scheme"). */
  public java.util.List<String> header(String name) {
    if (name.startsWith(":")) {
      String v = switch (name) {
        case ":method" -> method;
        case ":path" -> uri;
        case ":authority" -> headers.get("host");
        case ":scheme" -> scheme;
        default -> null;
      };
      return v == null ? java.util.List.of() : java.util.List.of(v);
    }
    return headers.getAll(name);
  }

  /** The first value of a query parameter, URL-decoded; null when absent. */
  public String queryParameter(String name) {
    if (query == null) {
      return null;
    }
    int start = 0;
    while (start <= query.length()) {
      int amp = query.indexOf('&', start);
      int end = amp < 0 ? query.length() : amp;
      int eq = query.indexOf('=', start);
      String key = eq < 0 || eq > end ? query.substring(start, end) : query.substring(start, eq);
      if (decode(key).equals(name)) {
        return eq < 0 || eq > end ? "" : decode(query.substring(eq + 1, end));
      }
      if (amp < 0) {
        break;
      }
      start = amp + 1;
    }
    return null;
  }

  private static String decode(String s) {
    if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
      return s;
    }
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s; // a malformed escape stays as it was sent
    }
  }
}
