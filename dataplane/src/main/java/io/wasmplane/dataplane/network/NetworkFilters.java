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

/** A listener's network filters, built once: each gives a fresh Netty handler per connection. */
public final class NetworkFilters {
  private final List<PluginHandle> plugins;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  private NetworkFilters(List<PluginHandle> plugins) {
    this.plugins = plugins;
  }

  public static NetworkFilters build(List<NetworkFilterConfig> configs, Supplier<WasmPluginManager> manager,
      String where) {
    List<PluginHandle> plugins = new ArrayList<>();
    for (int i = 0; i < configs.size(); i++) {
      NetworkFilterConfig c = configs.get(i);
      String w = where + ".filter_chains[0].filters[" + i + "] " + c.name();
      PluginSpec spec = PluginSpec.fromHttpFilter(asPluginConfig(c.typedConfig(), w), w);
      try {
        plugins.add(StaticPlugins.prepare(manager.get(), spec, PluginKind.NETWORK_FILTER, w));
      } catch (RuntimeException e) {
        plugins.forEach(PluginHandle::release);
        throw e;
      }
    }
    return new NetworkFilters(List.copyOf(plugins));
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
    return plugins.isEmpty();
  }

  /** New handlers for one connection, in filter order. */
  public List<ChannelHandler> newHandlers() {
    List<ChannelHandler> out = new ArrayList<>(plugins.size());
    plugins.forEach(p -> out.add(new WasmNetworkFilter(p)));
    return out;
  }

  /** Drops this listener's plugin references (idempotent); the VMs close with the last connection's. */
  public void close() {
    if (closed.compareAndSet(false, true)) {
      plugins.forEach(PluginHandle::release);
    }
  }
}
