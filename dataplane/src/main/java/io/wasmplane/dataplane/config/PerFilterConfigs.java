package io.wasmplane.dataplane.config;

import java.util.HashMap;
import java.util.Map;

/**
 * The per-route configs of the filters run here, by filter name, already combined over the route, virtual host and
 * route configuration levels; {@code legacyCors} is the deprecated route/virtual host {@code cors} field (null: none),
 * which the CORS filter reads only when no typed_per_filter_config names it.
 */
public record PerFilterConfigs(Map<String, RouteFilterConfig> byFilterName, CorsPolicyConfig legacyCors) {
  public static final PerFilterConfigs NONE = new PerFilterConfigs(Map.of(), null);

  public PerFilterConfigs {
    byFilterName = Map.copyOf(byFilterName);
  }

  /** The config filter {@code name} sees on this route, or null. */
  public RouteFilterConfig forFilter(String name) {
    return byFilterName.get(name);
  }

  /** The config filter {@code name} sees on this route when it is a {@code type}. */
  public <T extends RouteFilterConfig> java.util.Optional<T> get(String name, Class<T> type) {
    RouteFilterConfig c = byFilterName.get(name);
    return type.isInstance(c) ? java.util.Optional.of(type.cast(c)) : java.util.Optional.empty();
  }

  public boolean isEmpty() {
    return byFilterName.isEmpty() && legacyCors == null;
  }

  /** This level with the deprecated {@code cors} field's policy (null: none). */
  public PerFilterConfigs withLegacyCors(CorsPolicyConfig cors) {
    return cors == null ? this : new PerFilterConfigs(byFilterName, cors);
  }

  /** This level under a less specific one: per filter name, this level's config combined with the one above it. */
  public PerFilterConfigs under(PerFilterConfigs lessSpecific) {
    if (lessSpecific.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return lessSpecific;
    }
    Map<String, RouteFilterConfig> merged = new HashMap<>(lessSpecific.byFilterName);
    byFilterName.forEach((name, cfg) -> merged.merge(name, cfg, (upper, own) -> own.under(upper)));
    CorsPolicyConfig cors = legacyCors == null ? lessSpecific.legacyCors
        : lessSpecific.legacyCors == null ? legacyCors : legacyCors.under(lessSpecific.legacyCors);
    return new PerFilterConfigs(merged, cors);
  }
}
