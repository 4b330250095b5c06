package io.wasmplane.dataplane.config;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * route.v3.RouteMatch: CONNECT requests only by {@code connect_matcher} (CONNECT kind), other requests by the path (prefix, exact, RE2-style regex or path-separated prefix; query string excluded), then
 * headers, query parameters, gRPC and a runtime fraction; all must match.
 */
public record RouteMatchSpec(PathKind kind, String value, Pattern regex, boolean caseSensitive, List<HeaderMatcherSpec> headers,
    List<QueryParameterMatch> queryParameters, boolean grpc, int fractionPerMillion) {

  public enum PathKind { PREFIX, PATH, SAFE_REGEX, PATH_SEPARATED_PREFIX, CONNECT }

  /** No runtime fraction: every request passes. */
  public static final int ALWAYS = 1_000_000;

  public RouteMatchSpec(PathKind kind, String value, Pattern regex, boolean caseSensitive, List<HeaderMatcherSpec> headers) {
    this(kind, value, regex, caseSensitive, headers, List.of(), false, ALWAYS);
  }

  public boolean matches(RequestFacts r) {
    if ((kind == PathKind.CONNECT) != "CONNECT".equals(r.method())) {
      return false; // Envoy: a connect_matcher matches CONNECT only, and path matchers never match CONNECT
    }
    String path = r.path();
    boolean pathOk = switch (kind) {
      case CONNECT -> true;
      case PREFIX -> caseSensitive ? path.startsWith(value) : path.toLowerCase(Locale.ROOT).startsWith(value.toLowerCase(Locale.ROOT));
      case PATH -> caseSensitive ? path.equals(value) : path.equalsIgnoreCase(value);
      case SAFE_REGEX -> regex.matcher(path).matches();
      case PATH_SEPARATED_PREFIX -> path.regionMatches(!caseSensitive, 0, value, 0, value.length())
          && (path.length() == value.length() || path.charAt(value.length()) == '/');
    };
    if (!pathOk) {
      return false;
    }
    for (HeaderMatcherSpec h : headers) {
      if (!h.matches(r)) {
        return false;
      }
    }
    for (QueryParameterMatch q : queryParameters) {
      if (!q.matches(r.queryParameter(q.name()))) {
        return false;
      }
    }
    if (grpc && !isGrpc(r.headers().get("content-type"))) {
      return false;
    }
    return fractionPerMillion >= ALWAYS || ThreadLocalRandom.current().nextInt(ALWAYS) < fractionPerMillion;
  }

  /** The length of the path prefix a prefix rewrite replaces: the matched prefix, or the whole path. */
  public int rewrittenLength(String path) {
    return kind == PathKind.PREFIX || kind == PathKind.PATH_SEPARATED_PREFIX ? Math.min(value.length(), path.length()) : path.length();
  }

  /** Envoy's gRPC request test: content-type application/grpc, optionally followed by "+..." or ";...". */
  public static boolean isGrpc(String contentType) {
    if (contentType == null || !contentType.regionMatches(true, 0, "application/grpc", 0, 16)) {
      return false;
    }
    return contentType.length() == 16 || contentType.charAt(16) == '+' || contentType.charAt(16) == ';';
  }
}
