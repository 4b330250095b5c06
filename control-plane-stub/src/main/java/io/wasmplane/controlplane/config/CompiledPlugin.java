package io.wasmplane.controlplane.config;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.wasmplane.proto.rollout.v1.WasmPlugin;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A validated plugin: where it attaches, who gets it, and its releases in rollout order.
 *
 * @param listeners listener names it attaches to; empty = all
 * @param rollout versions tried in order; the first that targets a node wins
 * @param base the version for nodes no rollout version targets, or null (then those nodes get no plugin)
 */
public record CompiledPlugin(String name, String filterName, WasmPlugin.PluginType type, WasmPlugin.Phase phase,
    int priority, Set<String> listeners, NodeSelector selector, List<PluginRelease> rollout, PluginRelease base) {

  public Optional<PluginRelease> releaseFor(Node node) {
    if (!selector.matches(node)) {
      return Optional.empty();
    }
    for (PluginRelease r : rollout) {
      if (r.targets(name, node)) {
        return Optional.of(r);
      }
    }
    return Optional.ofNullable(base);
  }

  public boolean attachesTo(String listenerName) {
    return listeners.isEmpty() || listeners.contains(listenerName);
  }

  /** Order in the filter chain: phase (AUTHN, AUTHZ, STATS, then unspecified), higher priority first, name. */
  public int phaseRank() {
    return switch (phase) {
      case AUTHN -> 0;
      case AUTHZ -> 1;
      case STATS -> 2;
      default -> 3;
    };
  }
}
