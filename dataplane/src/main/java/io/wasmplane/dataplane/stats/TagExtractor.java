package io.wasmplane.dataplane.stats;

import java.util.regex.Pattern;

/**
 * One of Envoy's {@code TagSpecifier}s: a fixed tag on every stat, or a regex whose first capture group is cut out of the
 * stat name and whose second group (or the first, when there is no second) is the tag value.
 */
public record TagExtractor(String name, Pattern regex, String fixedValue) {

  public static TagExtractor regex(String name, Pattern regex) {
    return new TagExtractor(name, regex, null);
  }

  public static TagExtractor fixed(String name, String value) {
    return new TagExtractor(name, null, value);
  }

  /** Value equality (a Pattern has none). */
  @Override
  public boolean equals(Object o) {
    return o instanceof TagExtractor t && name.equals(t.name) && java.util.Objects.equals(fixedValue, t.fixedValue)
        && java.util.Objects.equals(regex == null ? null : regex.pattern(), t.regex == null ? null : t.regex.pattern());
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + (regex == null ? 0 : regex.pattern().hashCode());
  }
}
