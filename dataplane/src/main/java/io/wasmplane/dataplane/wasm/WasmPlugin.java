package io.wasmplane.dataplane.wasm;

import io.netty.channel.EventLoop;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.wasm.LogLevel;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.PluginModule;
import io.wasmplane.wasm.RootContext;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import io.wasmplane.wasm.host.ContextHost;
import io.wasmplane.wasm.host.VmHost;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured Wasm HTTP filter: the compiled module (shared) and one VM + root context per worker event loop,
 * created on that loop the first time a stream there needs it (Chicory instances are single-threaded).
 */
public final class WasmPlugin {
  private static final Logger log = LoggerFactory.getLogger(WasmPlugin.class);

  private final WasmFilterSpec spec;
  private final PluginModule module;
  private final WasmRuntime runtime;
  private final VmConfig vmConfig;
  private final PluginConfig pluginConfig;
  private final PropertySource node;
  private final io.wasmplane.dataplane.upstream.ClusterManager clusters;
  private final io.wasmplane.dataplane.stats.Counter vmsCreated;
  private final io.wasmplane.dataplane.stats.Gauge vmsActive;
  private final ConcurrentHashMap<EventLoop, WorkerVm> vms = new ConcurrentHashMap<>();

  /** Per-worker VM and its root context; a failed start is remembered so streams apply the failure policy. */
  record WorkerVm(WasmVm vm, RootContext root, String startError) {}

  /** Static properties of this data plane (node id, cluster...). */
  public interface PropertySource {
    String nodeId();

    String nodeCluster();
  }

  /** Loads, compiles and canaries the plugin (start + on_configure in a throwaway VM); failures are startup errors. */
  public WasmPlugin(WasmRuntime runtime, WasmFilterSpec spec, PropertySource node,
      io.wasmplane.dataplane.upstream.ClusterManager clusters, io.wasmplane.dataplane.stats.StatsRegistry stats, String where) {
    this.runtime = runtime;
    this.clusters = clusters;
    // Envoy's wasm.<runtime>.created / .active
    this.vmsCreated = stats.counter("wasm." + spec.runtime() + ".created");
    this.vmsActive = stats.gauge("wasm." + spec.runtime() + ".active");
    this.spec = spec;
    this.node = node;
    this.vmConfig = new VmConfig(spec.vmId(), spec.vmConfiguration(), spec.environment(), Set.of());
    this.pluginConfig = new PluginConfig(spec.pluginName(), spec.rootId(), spec.pluginConfiguration(), true);
    try {
      this.module = runtime.load(spec.code());
      runtime.canary(module, vmConfig, pluginConfig);
    } catch (WasmException e) {
      throw new ConfigException(where + ": wasm plugin '" + spec.pluginName() + "' failed (" + e.failState() + "): " + e.getMessage(), e);
    }
    log.info("event=wasm_plugin_loaded plugin={} root_id={} vm_id={} sha256={} abi={}", spec.pluginName(), spec.rootId(), spec.vmId(),
        module.sha256(), module.abiVersion());
  }

  /** The per-stream factory the HTTP connection manager uses. */
  public io.wasmplane.dataplane.http.HttpFilterFactory filterFactory() {
    return cb -> new WasmHttpFilter(cb, this);
  }

  WasmFilterSpec spec() {
    return spec;
  }

  PropertySource node() {
    return node;
  }

  /** The calling worker's VM; must be called on {@code loop}. */
  WorkerVm vm(EventLoop loop) {
    WorkerVm w = vms.get(loop);
    if (w == null) {
      w = start(loop);
      vms.put(loop, w);
    }
    return w;
  }

  private WorkerVm start(EventLoop loop) {
    VmHost host = new VmHost() {
      @Override
      public ScheduledExecutorService executor() {
        return loop;
      }

      @Override
      public io.wasmplane.wasm.Status httpCall(io.wasmplane.wasm.host.HttpCallRequest request,
          java.util.function.Consumer<io.wasmplane.wasm.host.HttpCallResponse> onResponse) {
        return WasmHttpCall.start(clusters, loop, request, onResponse);
      }

      @Override
      public void log(String pluginName, LogLevel level, String message) {
        switch (level) {
          case TRACE -> log.trace("plugin={} {}", pluginName, message);
          case DEBUG -> log.debug("plugin={} {}", pluginName, message);
          case INFO -> log.info("plugin={} {}", pluginName, message);
          case WARN -> log.warn("plugin={} {}", pluginName, message);
          default -> log.error("plugin={} {}", pluginName, message);
        }
      }

      @Override
      public LogLevel logLevel() {
        return log.isTraceEnabled() ? LogLevel.TRACE : log.isDebugEnabled() ? LogLevel.DEBUG : log.isInfoEnabled() ? LogLevel.INFO : LogLevel.WARN;
      }
    };
    try {
      WasmVm vm = runtime.startVm(module, vmConfig, host);
      RootContext root = vm.createRootContext(pluginConfig, new ContextHost() { });
      vmsCreated.inc();
      vmsActive.inc();
      return new WorkerVm(vm, root, null);
    } catch (WasmException | RuntimeException e) {
      log.warn("event=wasm_vm_start_failed plugin={} error={}", spec.pluginName(), e.toString());
      return new WorkerVm(null, null, e.toString());
    }
  }

  public void close() {
    vms.forEach((loop, w) -> loop.execute(() -> {
      if (w.root() != null) {
        w.root().close();
      }
      if (w.vm() != null) {
        w.vm().close();
        vmsActive.dec();
      }
    }));
  }
}
