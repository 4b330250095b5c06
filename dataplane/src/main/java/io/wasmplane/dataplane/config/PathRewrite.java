package io.wasmplane.dataplane.config;

import java.util.regex.Pattern;

/**
 * A path rewrite (route action or redirect): {@code prefix_rewrite} replaces what the route's path matcher matched
 * (the prefix, or the whole path for path/regex matches), {@code regex_rewrite} replaces every match of its pattern in
 * the path. The query string is kept as it was.
 */
public record PathRewrite(String prefix, RouteMatchSpec match, Pattern regex, String substitution) {

  static PathRewrite prefix(String prefix, RouteMatchSpec match) {
    return new PathRewrite(prefix, match, null, null);
  }

  static PathRewrite regex(Pattern regex, String javaSubstitution) {
    return new PathRewrite(null, null, regex, javaSubstitution);
  }

  /** The new path of {@code path} (no query string). */
  public String rewritePath(String path) {
    if (regex != null) {
      return regex.matcher(path).replaceAll(substitution);
    }
    return prefix + path.substring(match.rewrittenLength(path));
  }

  /** The new request target of {@code uri} (path and query). */
  public String rewrite(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? rewritePath(uri) : rewritePath(uri.substring(0, q)) + uri.substring(q);
  }
}
