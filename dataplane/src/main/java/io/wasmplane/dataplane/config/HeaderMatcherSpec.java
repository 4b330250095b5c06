package io.wasmplane.dataplane.config;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.regex.Pattern;

/** route.v3.HeaderMatcher: exact / prefix / suffix / contains / regex / present, optionally inverted. */
public record HeaderMatcherSpec(String name, Kind kind, String value, Pattern regex, boolean present, boolean invert) {

  public enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX, PRESENT }

  public boolean matches(HttpHeaders headers) {
    List<String> values = headers.getAll(name);
    boolean result;
    if (kind == Kind.PRESENT) {
      result = values.isEmpty() != present;
    } else if (values.isEmpty()) {
      // A missing header never matches a value matcher, even inverted (Envoy's rule).
      return false;
    } else {
      String v = String.join(",", values);
      result = switch (kind) {
        case EXACT -> v.equals(value);
        case PREFIX -> v.startsWith(value);
        case SUFFIX -> v.endsWith(value);
        case CONTAINS -> v.contains(value);
        case REGEX -> regex.matcher(v).matches();
        case PRESENT -> true;
      };
    }
    return result != invert;
  }
}
