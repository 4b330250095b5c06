package io.wasmplane.xds;

import io.envoyproxy.envoy.config.core.v3.ConfigSource;

/** Turns an Envoy {@code ConfigSource} (bootstrap or inside a resource) into an {@link XdsSource}. */
@FunctionalInterface
public interface ConfigSourceResolver {
  /**
   * @param field where the config source is, for error messages (e.g. {@code rds.config_source})
   * @throws IllegalArgumentException naming the field and the cause when it cannot be used
   */
  XdsSource resolve(ConfigSource source, String field);
}
