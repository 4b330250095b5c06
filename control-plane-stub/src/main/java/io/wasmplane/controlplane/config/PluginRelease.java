package io.wasmplane.controlplane.config;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;

/**
 * One version of a plugin with the ECDS resource it becomes and the nodes it targets.
 *
 * @param percentage share of nodes in [0, 100], or null for no percentage limit
 */
public record PluginRelease(String label, String sha256, Double percentage, NodeSelector selector,
    TypedExtensionConfig ecdsResource) {

  boolean targets(String pluginName, Node node) {
    if (!selector.matches(node)) {
      return false;
    }
    return percentage == null || NodeBucket.of(pluginName, node.getId()) < percentage;
  }
}
