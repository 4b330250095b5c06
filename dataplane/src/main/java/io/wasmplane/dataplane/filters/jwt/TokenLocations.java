package io.wasmplane.dataplane.filters.jwt;

import io.wasmplane.dataplane.config.RequestFacts;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a provider looks for its JWT: headers (with an optional value prefix such as "Bearer "), query parameters and
 * cookies. With none configured, Envoy's defaults: {@code Authorization: Bearer <token>} and {@code ?access_token=}.
 */
record TokenLocations(List<HeaderLocation> headers, List<String> params, List<String> cookies) {

  record HeaderLocation(String name, String prefix) {}

  /** A token found in the request; {@code header} names the header it came from, null for a parameter or cookie. */
  record Found(String token, String header) {}

  static final TokenLocations DEFAULT = new TokenLocations(List.of(new HeaderLocation("authorization", "Bearer ")),
      List.of("access_token"), List.of());

  /** The tokens in the request, in location order, each once. */
  List<Found> extract(RequestFacts request) {
    List<Found> out = new ArrayList<>(1);
    for (HeaderLocation h : headers) {
      for (String v : request.headers().getAll(h.name())) {
        String t = afterPrefix(v, h.prefix());
        if (t != null) {
          add(out, new Found(t, h.name()));
        }
      }
    }
    for (String p : params) {
      String v = request.queryParameter(p);
      if (v != null && !v.isEmpty()) {
        add(out, new Found(v, null));
      }
    }
    if (!cookies.isEmpty()) {
      for (String line : request.headers().getAll("cookie")) {
        for (String pair : line.split(";")) {
          int eq = pair.indexOf('=');
          if (eq > 0 && cookies.contains(pair.substring(0, eq).trim()) && eq + 1 < pair.length()) {
            add(out, new Found(pair.substring(eq + 1).trim(), null));
          }
        }
      }
    }
    return out;
  }

  private static void add(List<Found> out, Found f) {
    for (Found o : out) {
      if (o.token().equals(f.token())) {
        return;
      }
    }
    out.add(f);
  }

  /** The token after {@code prefix} (case-insensitive) up to the first character a JWT cannot hold; null if none. */
  private static String afterPrefix(String value, String prefix) {
    int start = 0;
    if (!prefix.isEmpty()) {
      start = -1;
      for (int i = 0; i + prefix.length() <= value.length(); i++) {
        if (value.regionMatches(true, i, prefix, 0, prefix.length())) {
          start = i + prefix.length();
          break;
        }
      }
      if (start < 0) {
        return null;
      }
    }
    int end = start;
    while (end < value.length() && isJwtChar(value.charAt(end))) {
      end++;
    }
    return end > start ? value.substring(start, end) : null;
  }

  private static boolean isJwtChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '='
        || c == '+' || c == '/';
  }
}
