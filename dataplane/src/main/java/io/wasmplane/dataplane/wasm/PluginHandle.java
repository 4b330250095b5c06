package io.wasmplane.dataplane.wasm;

import io.netty.channel.EventLoop;
import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.wasm.FailState;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.PluginModule;
import io.wasmplane.wasm.RootContext;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.host.ContextHost;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One prepared plugin version: verified, compiled and canaried code (or, for a first version whose code could not be
 * had, the load failure its failure policy answers with). Immutable apart from its per-worker root contexts, which
 * are created on each worker's loop the first time a stream there needs one.
 *
 * <p>Reference-counted: whoever installs the handle holds one reference and every stream (or connection, log entry...)
 * that uses it holds one from {@link #tryRetain()} to {@link #release()}. When the count reaches zero, each worker's
 * root context gets proxy_on_done/proxy_on_delete on its own loop and its VM lease is returned (the VM closes with its
 * last root context).
 */
public final class PluginHandle {
  private static final Logger log = LoggerFactory.getLogger(PluginHandle.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  private final int id = IDS.incrementAndGet();
  private final PluginSpec spec;
  private final PluginKind kind;
  private final PluginModule module;
  private final String loadFailure;
  private final WorkerVms vms;
  private final ReloadStats reloadStats;
  private final PluginConfig pluginConfig;
  private final PluginSpec.VmKey vmKey;
  private final AtomicInteger refs = new AtomicInteger(1);
  private final Map<EventLoop, Instance> instances = new ConcurrentHashMap<>();
  private final java.util.concurrent.CompletableFuture<Void> released = new java.util.concurrent.CompletableFuture<>();

  /** Envoy's wasm.<plugin>.vm_reload_* counters (FAIL_RELOAD). */
  record ReloadStats(Counter success, Counter failure, Counter backoff) {}

  private final WasmPluginManager.PropertySource node;

  PluginHandle(PluginSpec spec, PluginKind kind, PluginModule module, String loadFailure, WorkerVms vms, ReloadStats reloadStats,
      WasmPluginManager.PropertySource node) {
    this.node = node;
    this.spec = spec;
    this.kind = kind;
    this.module = module;
    this.loadFailure = loadFailure;
    this.vms = vms;
    this.reloadStats = reloadStats;
    this.pluginConfig = new PluginConfig(spec.pluginName(), spec.rootId(), spec.pluginConfiguration(), true);
    this.vmKey = module == null ? null : spec.vmKey(module.sha256());
  }

  public PluginSpec spec() {
    return spec;
  }

  /** Node properties plugins can read. */
  public WasmPluginManager.PropertySource node() {
    return node;
  }

  public PluginKind kind() {
    return kind;
  }

  /** The code's sha256, or empty when the code could not be loaded. */
  public Optional<String> sha256() {
    return module == null ? Optional.empty() : Optional.of(module.sha256());
  }

  /** Why the code could not be had (the plugin then fails by its failure policy), or empty. */
  public Optional<String> loadFailure() {
    return Optional.ofNullable(loadFailure);
  }

  /** Takes a reference unless the handle was already released for good; lock-free. */
  public boolean tryRetain() {
    for (;;) {
      int n = refs.get();
      if (n <= 0) {
        return false;
      }
      if (refs.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Drops a reference; the last one tears the per-worker root contexts down on their loops. */
  public void release() {
    int n = refs.decrementAndGet();
    if (n == 0) {
      log.debug("event=wasm_plugin_released plugin={} handle={} workers={}", spec.pluginName(), id, instances.size());
      instances.forEach((loop, inst) -> {
        try {
          if (loop.inEventLoop()) {
            inst.close();
          } else {
            loop.execute(inst::close);
          }
        } catch (RejectedExecutionException e) {
          inst.close(); // the worker is gone: nothing else can touch these VMs any more
        }
      });
      released.complete(null);
    } else if (n < 0) {
      throw new IllegalStateException("plugin handle " + spec.pluginName() + " released more often than retained");
    }
  }

  /** Completes once the last reference is gone (tests, drain). */
  public java.util.concurrent.CompletionStage<Void> whenReleased() {
    return released;
  }

  int refCount() {
    return refs.get();
  }

  /** This worker's instance; call on {@code loop} while holding a reference. */
  public Instance instance(EventLoop loop) {
    Instance i = instances.get(loop);
    if (i == null) {
      i = new Instance(loop);
      instances.put(loop, i);
    }
    return i;
  }

  @Override
  public String toString() {
    return "PluginHandle{" + spec.pluginName() + "#" + id + (module == null ? " failed" : " " + module.sha256().substring(0, 12)) + "}";
  }

  /**
   * The plugin on one worker: its root context on a (maybe shared) VM. Single-threaded (its loop). With FAIL_RELOAD a
   * VM that failed at run time is replaced by a fresh one for the next stream once the reload backoff has passed.
   */
  public final class Instance {
    private final EventLoop loop;
    private WorkerVms.Lease lease;
    private RootContext root;
    private String error;
    private long failedAt;
    private boolean closed;
    /** The names this worker's streams look headers up by, converted once (see HeaderNames). */
    final HeaderNames headerNames = new HeaderNames();

    private Instance(EventLoop loop) {
      this.loop = loop;
      if (module == null) {
        error = "plugin code could not be loaded: " + loadFailure;
      } else {
        start();
      }
    }

    private void start() {
      try {
        lease = vms.acquire(loop, spec, vmKey, module, spec.rootId());
      } catch (WasmException | RuntimeException e) {
        error = "vm failed to start: " + e.getMessage();
        log.warn("event=wasm_vm_start_failed plugin={} error={}", spec.pluginName(), e.toString());
        return;
      }
      try {
        root = lease.vm.createRootContext(pluginConfig, new ContextHost() { });
        error = null;
      } catch (WasmException | RuntimeException e) {
        error = "root context failed: " + e.getMessage();
        log.warn("event=wasm_root_context_failed plugin={} error={}", spec.pluginName(), e.toString());
        vms.release(loop, lease, spec.rootId());
        lease = null;
      }
    }

    public PluginSpec spec() {
      return spec;
    }

    /** A root context that can take new streams, or null (then {@link #error()} says why and the failure policy applies). */
    public RootContext root() {
      if (closed) {
        return null;
      }
      if (root != null && lease.vm.failState() != FailState.OK) {
        if (spec.failMode() != FailMode.FAIL_RELOAD) {
          error = "vm failed: " + lease.vm.failState();
          return null;
        }
        noteFailure();
        if (System.nanoTime() - failedAt < spec.reloadBackoff().toNanos()) {
          reloadStats.backoff().inc();
          error = "vm failed (" + lease.vm.failState() + "), reload backoff";
          return null;
        }
        dropRoot();
        start();
        if (root == null) {
          reloadStats.failure().inc();
          failedAt = System.nanoTime();
          return null;
        }
        reloadStats.success().inc();
        failedAt = 0;
        log.info("event=wasm_vm_reloaded plugin={}", spec.pluginName());
      }
      return root;
    }

    /** A stream saw this worker's VM fail: the reload backoff counts from the first sighting. */
    public void noteFailure() {
      if (failedAt == 0) {
        failedAt = System.nanoTime();
      }
    }

    public String error() {
      return error;
    }

    /** The VM this instance runs on, or null. */
    public io.wasmplane.wasm.WasmVm vm() {
      return lease == null ? null : lease.vm;
    }

    private void dropRoot() {
      if (root != null) {
        try {
          root.close(); // proxy_on_done + proxy_on_delete (skipped by the runtime on a failed VM)
        } catch (RuntimeException e) {
          log.debug("event=wasm_root_close_failed plugin={} error={}", spec.pluginName(), e.toString());
        }
        root = null;
      }
      if (lease != null) {
        vms.release(loop, lease, spec.rootId());
        lease = null;
      }
    }

    void close() {
      if (!closed) {
        closed = true;
        dropRoot();
      }
    }
  }
}
