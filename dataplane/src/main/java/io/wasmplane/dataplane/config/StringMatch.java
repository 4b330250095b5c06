package io.wasmplane.dataplane.config;

import java.util.Locale;
import java.util.regex.Pattern;

/** Envoy's {@code type.matcher.v3.StringMatcher}: exact / prefix / suffix / contains (optionally ignoring case) or safe_regex. */
public record StringMatch(Kind kind, String value, boolean ignoreCase, Pattern regex) {

  public enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX }

  public boolean matches(String s) {
    if (kind == Kind.REGEX) {
      return regex.matcher(s).matches();
    }
    String v = ignoreCase ? s.toLowerCase(Locale.ROOT) : s;
    String want = ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
    return switch (kind) {
      case EXACT -> v.equals(want);
      case PREFIX -> v.startsWith(want);
      case SUFFIX -> v.endsWith(want);
      case CONTAINS -> v.contains(want);
      case REGEX -> false;
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StringMatch m && kind == m.kind && value.equals(m.value) && ignoreCase == m.ignoreCase;
  }

  @Override
  public int hashCode() {
    return (kind.hashCode() * 31 + value.hashCode()) * 31 + Boolean.hashCode(ignoreCase);
  }
}
