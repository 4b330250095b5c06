package io.wasmplane.dataplane.wasmext;

import io.netty.channel.EventLoopGroup;
import io.wasmplane.dataplane.config.WasmExtensionsConfig;
import io.wasmplane.dataplane.server.Transport;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.wasm.PluginHandle;
import io.wasmplane.dataplane.wasm.PluginKind;
import io.wasmplane.dataplane.wasm.PluginSpec;
import io.wasmplane.dataplane.wasm.WasmPluginManager;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The bootstrap-level Wasm of a running proxy: stats sinks and background services, and their main thread. Their
 * handles come from the shared plugin manager; a singleton's instance lives on the main loop (the manager does not
 * warm these kinds on the workers), a per-worker service's on each worker.
 */
public final class WasmExtensions implements AutoCloseable {
  private final List<WasmStatsSink> sinks = new ArrayList<>();
  private final List<WasmService> services = new ArrayList<>();
  private final List<PluginHandle> plugins = new ArrayList<>();
  private final MainThread main;

  /** Loads and canaries every plugin (a failure is a startup error), then starts their VMs. */
  public WasmExtensions(WasmExtensionsConfig config, Supplier<WasmPluginManager> manager, StatsRegistry stats, Transport transport,
      EventLoopGroup workers) {
    this.main = config.isEmpty() ? null : new MainThread(transport);
    try {
      for (int i = 0; i < config.services().size(); i++) {
        WasmExtensionsConfig.Service s = config.services().get(i);
        PluginHandle p = plugin(manager, s.plugin(), PluginKind.SERVICE, "bootstrap.bootstrap_extensions[" + i + "]");
        services.add(new WasmService(p, s.singleton()));
      }
      for (int i = 0; i < config.statsSinks().size(); i++) {
        PluginHandle p = plugin(manager, config.statsSinks().get(i), PluginKind.STATS_SINK, "bootstrap.stats_sinks[" + i + "]");
        sinks.add(new WasmStatsSink(p, stats, main.loop()));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    services.forEach(s -> s.start(main.loop(), workers));
    sinks.forEach(s -> s.start(config.statsFlushInterval()));
  }

  private PluginHandle plugin(Supplier<WasmPluginManager> manager, PluginSpec spec, PluginKind kind, String where) {
    PluginHandle p = StaticPlugins.prepare(manager.get(), spec, kind, where);
    plugins.add(p);
    return p;
  }

  /** Stops the sinks, then drops the references: each instance gets proxy_on_done/on_delete on its own loop. */
  @Override
  public void close() {
    sinks.forEach(WasmStatsSink::close);
    plugins.forEach(PluginHandle::release);
    plugins.clear();
    if (main != null) {
      main.close(); // runs the already queued teardown tasks before it stops
    }
  }
}
