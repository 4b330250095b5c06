package io.wasmplane.dataplane.config;

import io.netty.channel.ChannelHandler;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.util.function.Supplier;

/** A network filter implemented here (not in Wasm, e.g. envoy.filters.network.rbac), its config translated once. */
public interface NativeNetworkFilter {
  /** Resolves the filter's stats once; the supplier gives each new connection its own handler. */
  Supplier<ChannelHandler> bind(StatsRegistry stats);
}
