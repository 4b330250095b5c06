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
  private final java.util.List<io.wasmplane.dataplane.wasm.PluginHandle> accessLogs = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  /** A file access logger: its compiled format and the file's writer. */

  private final java.util.List<io.wasmplane.dataplane.accesslog.FileAccessLogger> fileLogs = new java.util.ArrayList<>();

  public TcpProxy(TcpProxyConfig config, ClusterManager clusters, StatsRegistry stats, Transport transport,
      java.util.function.Supplier<io.wasmplane.dataplane.wasm.WasmPluginManager> plugins,
      java.util.function.BiFunction<java.nio.file.Path, String, io.wasmplane.dataplane.accesslog.AccessLogWriter> writers, String where) {
    this.config = config;
    this.cluster = clusters.get(config.cluster());
    if (cluster == null) {
      throw new ConfigException(where + " tcp_proxy.cluster: unknown cluster '" + config.cluster() + "'");
    }
    this.stats = new TcpProxyStats(stats, config.statPrefix());
    this.transport = transport;
    for (int i = 0; i < config.accessLogs().size(); i++) {
      String w = where + " tcp_proxy.access_log[" + i + "]";
      io.wasmplane.dataplane.config.AccessLogConfig a = config.accessLogs().get(i);
      if (a.wasm() == null) {
        fileLogs.add(new io.wasmplane.dataplane.accesslog.FileAccessLogger(a.formatter(w), a.filter(),
            writers.apply(java.nio.file.Path.of(a.path()), w)));
        continue;
      }
      try {
        accessLogs.add(io.wasmplane.dataplane.wasmext.StaticPlugins.prepare(plugins.get(), config.accessLogs().get(i).wasm(),
            io.wasmplane.dataplane.wasm.PluginKind.ACCESS_LOGGER, w));
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }
  }

  /** Drops the access loggers' plugin references (idempotent). */
  public void close() {
    if (closed.compareAndSet(false, true)) {
      accessLogs.forEach(io.wasmplane.dataplane.wasm.PluginHandle::release);
    }
  }

  public TcpProxyConfig config() {
    return config;
  }

  public ChannelHandler newHandler() {
    return new TcpProxyHandler(config, cluster, stats, transport, accessLogs, fileLogs);
  }
}
