package io.wasmplane.dataplane.wasmext;

import io.netty.channel.EventLoopGroup;
import io.wasmplane.dataplane.config.WasmExtensionsConfig;
import io.wasmplane.dataplane.server.Transport;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.upstream.ClusterManager;
import io.wasmplane.dataplane.wasm.WasmFilterSpec;
import io.wasmplane.dataplane.wasm.WasmPlugin;
import io.wasmplane.wasm.WasmRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** The bootstrap-level Wasm of a running proxy: stats sinks and background services, and their main thread. */
public final class WasmExtensions implements AutoCloseable {
  private final List<WasmStatsSink> sinks = new ArrayList<>();
  private final List<WasmService> services = new ArrayList<>();
  private final List<WasmPlugin> plugins = new ArrayList<>();
  private final MainThread main;

  /** Loads and canaries every plugin (a failure is a startup error), then starts their VMs. */
  public WasmExtensions(WasmExtensionsConfig config, Supplier<WasmRuntime> runtime, WasmPlugin.PropertySource node,
      ClusterManager clusters, StatsRegistry stats, Transport transport, EventLoopGroup workers) {
    this.main = config.isEmpty() ? null : new MainThread(transport);
    try {
      for (int i = 0; i < config.services().size(); i++) {
        WasmExtensionsConfig.Service s = config.services().get(i);
        WasmPlugin p = plugin(s.plugin(), runtime, node, clusters, stats, "bootstrap.bootstrap_extensions[" + i + "]");
        services.add(new WasmService(p, s.singleton()));
      }
      for (int i = 0; i < config.statsSinks().size(); i++) {
        WasmPlugin p = plugin(config.statsSinks().get(i), runtime, node, clusters, stats, "bootstrap.stats_sinks[" + i + "]");
        sinks.add(new WasmStatsSink(p, stats, main.loop()));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    services.forEach(s -> s.start(main.loop(), workers));
    sinks.forEach(s -> s.start(config.statsFlushInterval()));
  }

  private WasmPlugin plugin(WasmFilterSpec spec, Supplier<WasmRuntime> runtime, WasmPlugin.PropertySource node, ClusterManager clusters,
      StatsRegistry stats, String where) {
    WasmPlugin p = new WasmPlugin(runtime.get(), spec, node, clusters, stats, where);
    plugins.add(p);
    return p;
  }

  @Override
  public void close() {
    sinks.forEach(WasmStatsSink::close);
    plugins.forEach(WasmPlugin::close);
    if (main != null) {
      main.close();
    }
  }
}
