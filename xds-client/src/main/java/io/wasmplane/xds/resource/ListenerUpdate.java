package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.Set;

/**
 * A validated Listener.
 *
 * @param routeConfigNames RDS names referenced by its HTTP connection managers (subscribe to these)
 * @param extensionConfigNames ECDS names referenced by HCM http filters' {@code config_discovery}
 */
public record ListenerUpdate(String name, Listener proto, Set<String> routeConfigNames,
    Set<String> extensionConfigNames) implements XdsResource {
  public ListenerUpdate {
    routeConfigNames = Set.copyOf(routeConfigNames);
    extensionConfigNames = Set.copyOf(extensionConfigNames);
  }
}
