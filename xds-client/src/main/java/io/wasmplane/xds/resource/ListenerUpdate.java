package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.Map;
import java.util.Set;

/**
 * A validated Listener.
 *
 * @param routeConfigSources RDS names referenced by its HTTP connection managers, with the {@code rds.config_source}
 *     each is fetched from
 * @param extensionConfigSources ECDS names referenced by HCM http filters' {@code config_discovery}, with its
 *     {@code config_source}
 */
public record ListenerUpdate(String name, Listener proto, Map<String, ConfigSource> routeConfigSources,
    Map<String, ConfigSource> extensionConfigSources) implements XdsResource {
  public ListenerUpdate {
    routeConfigSources = Map.copyOf(routeConfigSources);
    extensionConfigSources = Map.copyOf(extensionConfigSources);
  }

  /** RDS names to subscribe to. */
  public Set<String> routeConfigNames() {
    return routeConfigSources.keySet();
  }

  /** ECDS names (the filters' names) to subscribe to. */
  public Set<String> extensionConfigNames() {
    return extensionConfigSources.keySet();
  }
}
