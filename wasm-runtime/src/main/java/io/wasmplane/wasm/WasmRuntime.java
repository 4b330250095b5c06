package io.wasmplane.wasm;

import com.dylibso.chicory.wasm.types.FunctionType;
import io.wasmplane.wasm.abi.HostFunctions;
import io.wasmplane.wasm.abi.RuntimeServices;
import io.wasmplane.wasm.abi.VmState;
import io.wasmplane.wasm.abi.Watchdog;
import io.wasmplane.wasm.host.ContextHost;
import io.wasmplane.wasm.host.VmHost;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide Proxy-Wasm host: options, the call-timeout watchdog (one daemon thread), and the state every VM
 * shares (shared data, shared queues, metrics, foreign functions). Thread-safe.
 */
public final class WasmRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WasmRuntime.class);

  private final RuntimeOptions options;
  private final SharedData sharedData = new SharedData();
  private final SharedQueues sharedQueues = new SharedQueues();
  private final PluginMetrics metrics = new PluginMetrics();
  private final ForeignFunctions foreignFunctions = ForeignFunctions.withBuiltIns();
  private final Watchdog watchdog;
  private final RuntimeServices services;
  private final Map<String, FunctionType> catalog;
  private final CompiledCodeCache codeCache;
  private ScheduledExecutorService canaryExecutor; // guarded by this

  private WasmRuntime(RuntimeOptions options) {
    this.options = options;
    this.watchdog = new Watchdog(options.callTimeout());
    this.services = new RuntimeServices(sharedData, sharedQueues, metrics, foreignFunctions, watchdog,
        options.callTimeout().toNanos(), options.maxMemoryPages());
    Map<String, FunctionType> all = new LinkedHashMap<>(HostFunctions.catalog());
    all.putAll(WasiBridge.catalog());
    this.catalog = Map.copyOf(all);
    this.codeCache = options.compiledCodeCacheDir() == null ? null
        : new CompiledCodeCache(options.compiledCodeCacheDir(), DEFAULT_CODE_CACHE_BYTES);
  }

  /** Bound on the on-disk compiled-code cache when {@link RuntimeOptions#compiledCodeCacheDir()} is set. */
  public static final long DEFAULT_CODE_CACHE_BYTES = 1L << 30;

  public static WasmRuntime create(RuntimeOptions options) {
    return new WasmRuntime(options);
  }

  public static WasmRuntime create() {
    return new WasmRuntime(RuntimeOptions.defaults());
  }

  public RuntimeOptions options() {
    return options;
  }

  /**
   * Parses and checks a module (ABI marker, imports, callback signatures, allocator) and, in COMPILED mode,
   * compiles it once. Slow (tens of ms to seconds): call it off the request path and cache by sha256.
   */
  public PluginModule load(byte[] code) throws WasmException {
    return PluginModule.load(code, options, catalog, codeCache);
  }

  /**
   * Instantiates a VM and runs the module's start functions. The returned VM must from now on be used only on
   * {@code host.executor()}'s thread.
   */
  public WasmVm startVm(PluginModule module, VmConfig config, VmHost host) throws WasmException {
    String label = (config.vmId().isEmpty() ? "" : config.vmId() + "/") + module.sha256().substring(0, 12);
    VmState state = VmState.start(services, module.wasmModule(), module.machineFactory(), module.shape(), config,
        host, label, WasiBridge::functions);
    return new WasmVm(state);
  }

  /**
   * Envoy's canary: starts a throwaway VM, creates the plugin's root context (on_vm_start, on_configure) and closes
   * it, so a configuration the plugin rejects is refused before any traffic sees it.
   *
   * @throws WasmException naming the plugin and the cause when the plugin fails or rejects its configuration
   */
  public void canary(PluginModule module, VmConfig config, PluginConfig plugin) throws WasmException {
    WasmVm vm;
    try {
      vm = startVm(module, config, new CanaryHost(canaryExecutor()));
    } catch (WasmException e) {
      throw new WasmException(e.failState(), "plugin '" + plugin.name() + "': " + e.getMessage(), e);
    }
    try {
      vm.createRootContext(plugin, new ContextHost() {});
    } finally {
      vm.close();
    }
  }

  private synchronized ScheduledExecutorService canaryExecutor() {
    if (canaryExecutor == null) {
      canaryExecutor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "wasm-canary");
        t.setDaemon(true);
        return t;
      });
    }
    return canaryExecutor;
  }

  /** The canary's VM host: logs go to SLF4J; its executor never runs plugin code (the VM is closed first). */
  private static final class CanaryHost implements VmHost {
    private final ScheduledExecutorService executor;

    CanaryHost(ScheduledExecutorService executor) {
      this.executor = executor;
    }

    @Override
    public ScheduledExecutorService executor() {
      return executor;
    }

    @Override
    public void log(String pluginName, LogLevel level, String message) {
      LOG.debug("[canary {}] {} {}", pluginName, level, message);
    }

    @Override
    public LogLevel logLevel() {
      return LOG.isDebugEnabled() ? LogLevel.DEBUG : LogLevel.WARN;
    }
  }

  public SharedData sharedData() {
    return sharedData;
  }

  public SharedQueues sharedQueues() {
    return sharedQueues;
  }

  public PluginMetrics metrics() {
    return metrics;
  }

  public ForeignFunctions foreignFunctions() {
    return foreignFunctions;
  }

  /** Stops the watchdog thread (running VMs are no longer time-limited) and the canary thread. */
  @Override
  public void close() {
    watchdog.close();
    synchronized (this) {
      if (canaryExecutor != null) {
        canaryExecutor.shutdownNow();
      }
    }
  }
}
