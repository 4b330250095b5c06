package io.wasmplane.dataplane.network;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.channel.ChannelHandler;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.NetworkFilterConfig;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.upstream.ClusterManager;
import io.wasmplane.dataplane.wasm.WasmFilterSpec;
import io.wasmplane.dataplane.wasm.WasmPlugin;
import io.wasmplane.wasm.WasmRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** A listener's network filters, built once: each gives a fresh Netty handler per connection. */
public final class NetworkFilters {
  private final List<WasmPlugin> plugins;

  private NetworkFilters(List<WasmPlugin> plugins) {
    this.plugins = plugins;
  }

  public static NetworkFilters build(List<NetworkFilterConfig> configs, Supplier<WasmRuntime> runtime, WasmPlugin.PropertySource node,
      ClusterManager clusters, StatsRegistry stats, String where) {
    List<WasmPlugin> plugins = new ArrayList<>();
    for (int i = 0; i < configs.size(); i++) {
      NetworkFilterConfig c = configs.get(i);
      String w = where + ".filter_chains[0].filters[" + i + "] " + c.name();
      plugins.add(new WasmPlugin(runtime.get(), WasmFilterSpec.from(asPluginConfig(c.typedConfig(), w), w), node, clusters, stats, w));
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

  public void close() {
    plugins.forEach(WasmPlugin::close);
  }
}
