package io.wasmplane.dataplane.wasmext;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.wasmplane.dataplane.wasm.PluginHandle;

/**
 * envoy.bootstrap.wasm: a plugin with no traffic of its own. singleton runs one VM on the main thread; otherwise one
 * VM per worker. Each VM is started and configured at startup; from then on the plugin lives on its ticks, http calls,
 * shared data and shared queues (keyed by vm_id, so shared with filters of the same vm_id).
 */
final class WasmService {
  private final PluginHandle plugin;
  private final boolean singleton;

  WasmService(PluginHandle plugin, boolean singleton) {
    this.plugin = plugin;
    this.singleton = singleton;
  }

  void start(EventLoop main, EventLoopGroup workers) {
    if (singleton) {
      main.execute(() -> plugin.instance(main));
      return;
    }
    for (EventExecutor e : workers) {
      EventLoop loop = (EventLoop) e;
      loop.execute(() -> plugin.instance(loop));
    }
  }

  boolean singleton() {
    return singleton;
  }

  PluginHandle plugin() {
    return plugin;
  }
}
