package io.wasmplane.dataplane.server;

import io.wasmplane.dataplane.config.FilterChainConfig;
import io.wasmplane.dataplane.config.ListenerConfig;
import java.util.List;

/**
 * Envoy's in-place filter chain update: when a listener update keeps its address and listener filters, a chain whose
 * configuration did not change keeps running (its connections are not drained); only removed or changed chains drain.
 */
final class InPlaceUpdate {
  private InPlaceUpdate() {}

  /** The running chain equal to {@code chain} that {@code taken} does not hold yet, or null (build a new one). */
  static ListenerRuntime unchanged(ListenerChains current, ListenerConfig next, FilterChainConfig chain, List<ListenerRuntime> taken) {
    if (!current.config().listenerFilters().equals(next.listenerFilters())) {
      return null;
    }
    for (ListenerRuntime rt : current.runtimes()) {
      if (rt.chain().unchanged(chain) && !taken.contains(rt)) {
        return rt;
      }
    }
    return null;
  }

  /** Whether {@code next} differs from what runs only inside its chains' HCMs (swappable for new streams). */
  static boolean hcmsOnly(ListenerChains current, ListenerConfig next) {
    List<FilterChainConfig> now = current.config().chains();
    List<FilterChainConfig> then = next.chains();
    if (!current.config().listenerFilters().equals(next.listenerFilters()) || now.size() != then.size()
        || current.config().defaultChain().isPresent() != next.defaultChain().isPresent()) {
      return false;
    }
    for (int i = 0; i < now.size(); i++) {
      if (!now.get(i).sameShape(then.get(i))) {
        return false;
      }
    }
    return true;
  }
}
