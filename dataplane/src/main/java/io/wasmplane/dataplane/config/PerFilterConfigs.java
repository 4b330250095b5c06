package io.wasmplane.dataplane.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The translated typed_per_filter_config entries a route sees, keyed by filter name: its own over its virtual host's
 * over its route configuration's (Envoy's most specific config wins, a whole config at a time). Only configs of
 * filters that take one are kept; the others are validated and dropped.
 */
public final class PerFilterConfigs {
  public static final PerFilterConfigs NONE = new PerFilterConfigs(Map.of());

  private final Map<String, Object> byFilter;

  private PerFilterConfigs(Map<String, Object> byFilter) {
    this.byFilter = Map.copyOf(byFilter);
  }

  static PerFilterConfigs of(Map<String, Object> byFilter) {
    return byFilter.isEmpty() ? NONE : new PerFilterConfigs(byFilter);
  }

  /** The config for filter {@code name}, if this level or one above has one of that type. */
  public <T> Optional<T> get(String name, Class<T> type) {
    Object c = byFilter.get(name);
    return type.isInstance(c) ? Optional.of(type.cast(c)) : Optional.empty();
  }

  public boolean isEmpty() {
    return byFilter.isEmpty();
  }

  /** These configs, with {@code outer}'s for the filters this level does not configure. */
  PerFilterConfigs over(PerFilterConfigs outer) {
    if (outer.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return outer;
    }
    Map<String, Object> merged = new HashMap<>(outer.byFilter);
    merged.putAll(byFilter);
    return new PerFilterConfigs(merged);
  }
}
