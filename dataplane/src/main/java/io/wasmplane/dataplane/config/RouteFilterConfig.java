package io.wasmplane.dataplane.config;

/**
 * A filter's per-route config (from typed_per_filter_config), translated once. Levels combine as the filter defines:
 * {@link #under} gives the config a route sees when this (more specific) level sits under {@code lessSpecific}.
 */
public interface RouteFilterConfig {
  RouteFilterConfig under(RouteFilterConfig lessSpecific);
}
