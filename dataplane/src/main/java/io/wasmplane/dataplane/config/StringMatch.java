package io.wasmplane.dataplane.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Envoy's {@code type.matcher.v3.StringMatcher}: exact / prefix / suffix / contains (optionally ignoring case) or a
 * full safe_regex match. Parsed by {@code RouteFeatureTranslator.stringMatch}.
 */
public record StringMatch(Kind kind, String value, Pattern regex, boolean ignoreCase) {

  public enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX }

  public StringMatch {
    if (ignoreCase) {
      value = value.toLowerCase(Locale.ROOT);
    }
  }

  public boolean matches(String v) {
    if (kind == Kind.REGEX) {
      return regex.matcher(v).matches();
    }
    String s = ignoreCase ? v.toLowerCase(Locale.ROOT) : v;
    return switch (kind) {
      case EXACT -> s.equals(value);
      case PREFIX -> s.startsWith(value);
      case SUFFIX -> s.endsWith(value);
      case CONTAINS -> s.contains(value);
      case REGEX -> false;
    };
  }

  /** Value equality (a Pattern has none): two configs with the same matcher compare equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof StringMatch m && kind == m.kind && value.equals(m.value) && ignoreCase == m.ignoreCase;
  }

  @Override
  public int hashCode() {
    return (kind.hashCode() * 31 + value.hashCode()) * 31 + Boolean.hashCode(ignoreCase);
  }
}
