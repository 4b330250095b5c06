package io.wasmplane.dataplane.network;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.channel.ChannelHandler;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.NetworkFilterConfig;
import io.wasmplane.dataplane.wasm.PluginHandle;
import io.wasmplane.dataplane.wasm.PluginKind;
import io.wasmplane.dataplane.wasm.PluginSpec;
import io.wasmplane.dataplane.wasm.WasmPluginManager;
import io.wasmplane.dataplane.wasmext.StaticPlugins;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A listener's network filters, built once: each gives a fresh Netty handler per connection, holding the connection's
 * own reference on the plugin version it got (static config: the listener's; ECDS: the one current at accept time).
 * Filters implemented here ({@link io.wasmplane.dataplane.config.NativeNetworkFilter}, e.g. RBAC) bind their stats once
 * and give each connection its own handler.
 */
public final class NetworkFilters {
  private final List<Source> sources;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  /** Where one filter's plugin version comes from; or, for a filter implemented here, its handlers. */
  private record Source(String name, PluginHandle owned, Supplier<PluginHandle> discovered, Supplier<ChannelHandler> nativeHandlers) {
    Source(String name, PluginHandle owned, Supplier<PluginHandle> discovered) {
      this(name, owned, discovered, null);
    }

    /** The version for a new connection, retained for it; null when there is none. */
    PluginHandle acquire() {
      if (discovered != null) {
        return discovered.get();
      }
      return owned.tryRetain() ? owned : null;
    }
  }

  private NetworkFilters(List<Source> sources) {
    this.sources = sources;
  }

  /**
   * Prepares every static filter's plugin (canaried), binds ECDS ones to {@code discovery} and native ones to
   * {@code stats}; throws ConfigException naming the filter.
   */
  public static NetworkFilters build(List<NetworkFilterConfig> configs, Supplier<WasmPluginManager> manager,
      DiscoveredNetworkFilters discovery, io.wasmplane.dataplane.stats.StatsRegistry stats, String where) {
    List<Source> sources = new ArrayList<>();
    try {
      for (int i = 0; i < configs.size(); i++) {
        NetworkFilterConfig c = configs.get(i);
        String w = where + ".filter_chains[0].filters[" + i + "] " + c.name();
        if (c.nativeFilter() != null) {
          sources.add(new Source(c.name(), null, null, c.nativeFilter().bind(stats)));
        } else if (c.discovery().isPresent()) {
          if (discovery == null) {
            throw new ConfigException(w + ".config_discovery: needs dynamic_resources (ECDS)");
          }
          sources.add(new Source(c.name(), null, discovery.discoveredNetworkFilter(c.name(), c.discovery().get(), w)));
        } else {
          sources.add(new Source(c.name(), prepare(c, manager.get(), w), null));
        }
      }
    } catch (RuntimeException e) {
      sources.stream().filter(s -> s.owned() != null).forEach(s -> s.owned().release());
      throw e;
    }
    return new NetworkFilters(List.copyOf(sources));
  }

  /** One envoy.filters.network.wasm config's plugin, loaded and canaried; the caller owns the reference. */
  public static PluginHandle prepare(NetworkFilterConfig c, WasmPluginManager manager, String where) {
    return prepare(c, manager, where, WasmPluginManager.Mode.INITIAL);
  }

  /** As {@link #prepare(NetworkFilterConfig, WasmPluginManager, String)}; UPDATE refuses code that cannot be had. */
  public static PluginHandle prepare(NetworkFilterConfig c, WasmPluginManager manager, String where,
      WasmPluginManager.Mode mode) {
    PluginSpec spec = PluginSpec.fromHttpFilter(asPluginConfig(c.typedConfig(), where), where);
    return StaticPlugins.prepare(manager, spec, PluginKind.NETWORK_FILTER, where, mode);
  }

  /** The network and HTTP Wasm messages both wrap one PluginConfig; the HTTP filter's parser validates it. */
  private static Any asPluginConfig(Any network, String where) {
    try {
      var wasm = network.unpack(io.envoyproxy.envoy.extensions.filters.network.wasm.v3.Wasm.class);
      return Any.pack(io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.newBuilder().setConfig(wasm.getConfig()).build());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(where + ".typed_config: expected envoy.extensions.filters.network.wasm.v3.Wasm: " + e.getMessage());
    }
  }

  public boolean isEmpty() {
    return sources.isEmpty();
  }

  /** New handlers for one connection, in filter order; {@code configMissing} counts connections closed for want of config. */
  public List<ChannelHandler> newHandlers(io.wasmplane.dataplane.stats.Counter configMissing) {
    List<ChannelHandler> out = new ArrayList<>(sources.size());
    for (Source s : sources) {
      if (s.nativeHandlers() != null) {
        out.add(s.nativeHandlers().get());
        continue;
      }
      PluginHandle p = s.acquire();
      out.add(p != null ? new WasmNetworkFilter(p) : new MissingConfigFilter(s.name(), configMissing));
    }
    return out;
  }

  /** Drops this listener's references on its static plugins (idempotent); the VMs close with the last connection's. */
  public void close() {
    if (closed.compareAndSet(false, true)) {
      sources.stream().filter(s -> s.owned() != null).forEach(s -> s.owned().release());
    }
  }
}
