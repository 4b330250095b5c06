package io.wasmplane.dataplane.network;

import io.netty.channel.ChannelHandler;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.TcpProxyConfig;
import io.wasmplane.dataplane.server.Transport;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.upstream.ClusterManager;
import io.wasmplane.dataplane.upstream.UpstreamCluster;

/** envoy.filters.network.tcp_proxy for one listener: its cluster and stats; a new handler per connection. */
public final class TcpProxy {
  private final TcpProxyConfig config;
  private final UpstreamCluster cluster;
  private final TcpProxyStats stats;
  private final Transport transport;
  private final java.util.List<io.wasmplane.dataplane.wasm.WasmPlugin> accessLogs = new java.util.ArrayList<>();

  public TcpProxy(TcpProxyConfig config, ClusterManager clusters, StatsRegistry stats, Transport transport,
      java.util.function.Supplier<io.wasmplane.wasm.WasmRuntime> runtime, io.wasmplane.dataplane.wasm.WasmPlugin.PropertySource node,
      String where) {
    this.config = config;
    this.cluster = clusters.get(config.cluster());
    if (cluster == null) {
      throw new ConfigException(where + " tcp_proxy.cluster: unknown cluster '" + config.cluster() + "'");
    }
    this.stats = new TcpProxyStats(stats, config.statPrefix());
    this.transport = transport;
    for (int i = 0; i < config.accessLogs().size(); i++) {
      accessLogs.add(new io.wasmplane.dataplane.wasm.WasmPlugin(runtime.get(), config.accessLogs().get(i).wasm(), node, clusters, stats,
          where + " tcp_proxy.access_log[" + i + "]"));
    }
  }

  public void close() {
    accessLogs.forEach(io.wasmplane.dataplane.wasm.WasmPlugin::close);
  }

  public TcpProxyConfig config() {
    return config;
  }

  public ChannelHandler newHandler() {
    return new TcpProxyHandler(config, cluster, stats, transport, accessLogs);
  }
}
