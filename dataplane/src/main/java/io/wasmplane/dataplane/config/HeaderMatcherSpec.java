package io.wasmplane.dataplane.config;

import java.util.List;

/**
 * route.v3.HeaderMatcher: a string match, present match or range match on the header's values (several values are
 * joined with ","), optionally inverted; {@code treatMissingAsEmpty} matches a missing header as "".
 */
public record HeaderMatcherSpec(String name, Kind kind, StringMatch string, boolean present, long rangeStart, long rangeEnd,
    boolean invert, boolean treatMissingAsEmpty) {

  public enum Kind { STRING, PRESENT, RANGE }

  public static HeaderMatcherSpec string(String name, StringMatch m, boolean invert, boolean treatMissingAsEmpty) {
    return new HeaderMatcherSpec(name, Kind.STRING, m, false, 0, 0, invert, treatMissingAsEmpty);
  }

  public static HeaderMatcherSpec present(String name, boolean present, boolean invert, boolean treatMissingAsEmpty) {
    return new HeaderMatcherSpec(name, Kind.PRESENT, null, present, 0, 0, invert, treatMissingAsEmpty);
  }

  public static HeaderMatcherSpec range(String name, long start, long end, boolean invert, boolean treatMissingAsEmpty) {
    return new HeaderMatcherSpec(name, Kind.RANGE, null, false, start, end, invert, treatMissingAsEmpty);
  }

  public boolean matches(RequestFacts request) {
    List<String> values = request.header(name);
    if (values.isEmpty() && !treatMissingAsEmpty) {
      // Envoy: a missing header matches only "present_match: false", or "present_match: true" inverted.
      return kind == Kind.PRESENT && (invert ? present : !present);
    }
    String v = values.isEmpty() ? "" : values.size() == 1 ? values.get(0) : String.join(",", values);
    boolean result = switch (kind) {
      case STRING -> string.matches(v);
      case PRESENT -> present; // the header is there (or treated as an empty value)
      case RANGE -> inRange(v);
    };
    return result != invert;
  }

  private boolean inRange(String v) {
    try {
      long n = Long.parseLong(v);
      return n >= rangeStart && n < rangeEnd;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
