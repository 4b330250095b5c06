package io.wasmplane.dataplane.config;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Path (prefix, exact or RE2-style regex, query string excluded) plus header matchers, all must match. */
public record RouteMatchSpec(PathKind kind, String value, Pattern regex, boolean caseSensitive, List<HeaderMatcherSpec> headers) {

  public enum PathKind { PREFIX, PATH, SAFE_REGEX }

  public boolean matches(String path, HttpHeaders requestHeaders) {
    boolean pathOk = switch (kind) {
      case PREFIX -> caseSensitive ? path.startsWith(value) : path.toLowerCase(Locale.ROOT).startsWith(value.toLowerCase(Locale.ROOT));
      case PATH -> caseSensitive ? path.equals(value) : path.equalsIgnoreCase(value);
      case SAFE_REGEX -> regex.matcher(path).matches();
    };
    if (!pathOk) {
      return false;
    }
    for (HeaderMatcherSpec h : headers) {
      if (!h.matches(requestHeaders)) {
        return false;
      }
    }
    return true;
  }
}
