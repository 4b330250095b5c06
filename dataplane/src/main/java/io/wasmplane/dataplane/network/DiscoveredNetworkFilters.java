package io.wasmplane.dataplane.network;

import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.wasm.PluginHandle;
import java.util.function.Supplier;

/**
 * Where a network filter with {@code config_discovery} gets its config (ECDS), set by the xDS side: the returned
 * supplier gives each new connection the plugin version current at that moment with a reference taken for it, or
 * null while there is none (Envoy then closes the connection).
 */
public interface DiscoveredNetworkFilters {
  Supplier<PluginHandle> discoveredNetworkFilter(String filterName, HttpFilterConfig.Discovery discovery, String where);
}
