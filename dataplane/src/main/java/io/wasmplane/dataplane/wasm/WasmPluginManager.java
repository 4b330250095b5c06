package io.wasmplane.dataplane.wasm;

import io.netty.channel.EventLoop;
import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.wasm.LogLevel;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.PluginModule;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.host.VmHost;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Wasm plugin lifecycle for every extension point: resolve code (local, or remote through a cluster), verify its
 * sha256, load and compile it once per sha256 (in memory, on disk, single-flight), run the canary, and hand out an
 * immutable, reference-counted {@link PluginHandle}. Fetch, hashing, compile and canary run on this manager's loader
 * threads (never on an event loop); the socket I/O of a fetch runs non-blocking on a worker loop.
 *
 * <p>Envoy's semantics for remote code (createWasm): a cache hit loads at once; a miss with nack_on_code_cache_miss
 * fails the prepare at once (the NACK text names the URI) while the fetch goes on in the background, so the next push
 * hits the cache. Otherwise the caller waits for the fetch (listener warming): for a {@link Mode#INITIAL} plugin a fetch
 * that fails yields a handle in the failed state, which serves by its failure policy (FAIL_CLOSED 503 / FAIL_OPEN skip);
 * for an {@link Mode#UPDATE} of a plugin that is serving, the prepare fails (NACK) and the old handle keeps serving.
 * A failed canary (on_vm_start / on_configure false, a bad module) always fails the prepare.
 */
public final class WasmPluginManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WasmPluginManager.class);
  private static final long PROGRESS_EVERY_MS = 5_000;
  private static final int MAX_COMPILED_MODULES = 64;

  /** Whether an earlier version of the plugin is serving (decides what a failed fetch means). */
  public enum Mode {
    /** No earlier version: a code fetch failure gives a failed handle (failure policy), as Envoy. */
    INITIAL,
    /** An earlier version is serving: any failure fails the prepare (NACK); the caller keeps the old handle. */
    UPDATE
  }

  /** Static properties of this data plane (node id, cluster...) that plugins can read. */
  public interface PropertySource {
    String nodeId();

    String nodeCluster();
  }

  private final WasmRuntime runtime;
  private final Function<String, UpstreamCluster> clusters;
  private final StatsRegistry stats;
  private final PropertySource node;
  private final ScheduledExecutorService loader;
  private final CodeCache cache;
  private final RemoteCodeFetcher fetcher;
  private final WorkerVms vms;
  private final Map<String, CompletableFuture<byte[]>> fetches = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<PluginModule>> compiled = new LinkedHashMap<>(16, 0.75f, true);
  private final RemoteLoadStats remote;
  private final io.netty.channel.EventLoopGroup workers;

  /** Envoy's wasm.remote_load_* stats. */
  record RemoteLoadStats(Counter hits, Counter negativeHits, Counter misses, Counter fetchSuccesses, Counter fetchFailures) {}

  /**
   * @param clusters resolves http_uri.cluster and proxy_http_call upstreams (static or CDS clusters)
   * @param workers the worker loops: a fetch's socket runs on one (non-blocking); per-worker VMs are warmed on all
   */
  public WasmPluginManager(WasmRuntime runtime, Function<String, UpstreamCluster> clusters, io.netty.channel.EventLoopGroup workers,
      StatsRegistry stats, PropertySource node, WasmCacheOptions cacheOptions) {
    this.workers = workers;
    Supplier<EventLoop> ioLoops = () -> (EventLoop) workers.next();
    this.runtime = runtime;
    this.clusters = clusters;
    this.stats = stats;
    this.node = node;
    ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(2, r -> {
      Thread t = new Thread(r, "wasm-loader");
      t.setDaemon(true);
      return t;
    });
    ex.setRemoveOnCancelPolicy(true);
    this.loader = ex;
    this.cache = new CodeCache(cacheOptions);
    this.fetcher = new RemoteCodeFetcher(clusters, ioLoops, loader, cacheOptions.maxModuleBytes());
    this.vms = new WorkerVms(runtime, this::vmHost, stats);
    this.remote = new RemoteLoadStats(stats.counter("wasm.remote_load_cache_hits"), stats.counter("wasm.remote_load_cache_negative_hits"),
        stats.counter("wasm.remote_load_cache_misses"), stats.counter("wasm.remote_load_fetch_successes"),
        stats.counter("wasm.remote_load_fetch_failures"));
    stats.gauge("wasm.remote_load_cache_entries", () -> cache.entries());
  }

  public WasmRuntime runtime() {
    return runtime;
  }

  public PropertySource node() {
    return node;
  }

  /** Live VMs on all workers (every plugin, every version). */
  public int liveVms() {
    return vms.liveVms();
  }

  /**
   * Prepares one plugin version. Never blocks the caller; completes on a loader thread with a handle the caller owns
   * one reference of, or exceptionally with a {@link PluginLoadException} whose message is the NACK / startup error.
   */
  public CompletionStage<PluginHandle> prepare(PluginSpec spec, PluginKind kind, Mode mode) {
    return code(spec, mode).thenCompose(code -> {
      if (code.failure != null) {
        log.error("event=wasm_plugin_load_failed plugin={} fail_mode={} error={}", spec.pluginName(), spec.failMode(), code.failure);
        return CompletableFuture.completedFuture(new PluginHandle(spec, kind, null, code.failure, vms, reloadStats(spec), node));
      }
      return module(code.sha256, code.bytes, spec.code().describe())
          .handle((module, error) -> {
            if (error != null) { // the module is shared by sha256: name the plugin that needed it here
              Throwable cause = RemoteCodeFetcher.unwrap(error);
              throw new java.util.concurrent.CompletionException(new PluginLoadException(
                  "wasm plugin '" + spec.pluginName() + "': " + cause.getMessage(), cause));
            }
            return module;
          })
          .thenApplyAsync(module -> canary(spec, kind, module), loader)
          .thenCompose(this::warm);
    });
  }

  /**
   * Creates the handle's root context on every worker before the handle is handed out, as Envoy creates its
   * per-worker VMs at config time, so the first streams after a swap do not pay for VM start-up. Filters and network
   * filters only; other kinds decide where their VMs live.
   */
  private CompletableFuture<PluginHandle> warm(PluginHandle h) {
    if (h.kind() != PluginKind.HTTP_FILTER && h.kind() != PluginKind.NETWORK_FILTER) {
      return CompletableFuture.completedFuture(h);
    }
    java.util.List<CompletableFuture<Void>> all = new java.util.ArrayList<>();
    for (io.netty.util.concurrent.EventExecutor e : workers) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      try {
        e.execute(() -> {
          try {
            h.instance((EventLoop) e);
          } finally {
            f.complete(null);
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
        f.complete(null);
      }
      all.add(f);
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> h);
  }

  /**
   * Warms the caches for {@code spec} (remote code fetched and verified, module compiled) without preparing a handle,
   * so that a later prepare on a thread that must not wait for the network (the xDS client's) finds everything there.
   * Never fails: a failure is left for prepare to report (negative cache); with nack_on_code_cache_miss nothing is
   * fetched here, so the miss is still NACKed.
   */
  public CompletionStage<Void> prefetch(PluginSpec spec) {
    CompletableFuture<Code> code;
    if (spec.code() instanceof CodeSource.Remote r) {
      code = CompletableFuture.supplyAsync(() -> lookup(r), loader).thenCompose(hit -> {
        if (hit.bytes != null) {
          return CompletableFuture.completedFuture(new Code(r.sha256(), hit.bytes, null));
        }
        if (hit.negative != null || spec.nackOnCodeCacheMiss()) {
          return CompletableFuture.completedFuture(new Code(null, null, "not fetched"));
        }
        remote.misses().inc();
        return fetch(r).thenApply(bytes -> new Code(r.sha256(), bytes, null));
      });
    } else {
      code = code(spec, Mode.INITIAL);
    }
    return code.thenCompose(c -> c.failure != null ? CompletableFuture.<Void>completedFuture(null)
            : module(c.sha256, c.bytes, spec.code().describe()).thenApply(m -> (Void) null))
        .handle((v, err) -> null);
  }

  /** Blocking convenience for bootstrap (static) config on a non-event-loop thread; throws the NACK text. */
  public PluginHandle prepareNow(PluginSpec spec, PluginKind kind, Mode mode) {
    for (io.netty.util.concurrent.EventExecutor e : workers) {
      if (e.inEventLoop()) {
        throw new IllegalStateException("prepareNow on an event loop would block it (and wait for itself): use prepare()");
      }
    }
    try {
      return prepare(spec, kind, mode).toCompletableFuture().join();
    } catch (java.util.concurrent.CompletionException e) {
      Throwable t = RemoteCodeFetcher.unwrap(e);
      throw t instanceof RuntimeException r ? r : new PluginLoadException(t.toString(), t);
    }
  }

  private PluginHandle canary(PluginSpec spec, PluginKind kind, PluginModule module) {
    VmConfig vmConfig = spec.runtimeVmConfig();
    PluginConfig pc = new PluginConfig(spec.pluginName(), spec.rootId(), spec.pluginConfiguration(), true);
    try {
      runtime.canary(module, vmConfig, pc);
    } catch (WasmException e) {
      throw new PluginLoadException("wasm plugin '" + spec.pluginName() + "' (" + spec.code().describe() + ", sha256 " + module.sha256()
          + ") failed its canary (" + e.failState() + "): " + e.getMessage(), e);
    }
    log.info("event=wasm_plugin_ready plugin={} root_id={} vm_id={} sha256={} abi={}", spec.pluginName(), spec.rootId(), spec.vmId(),
        module.sha256(), module.abiVersion());
    return new PluginHandle(spec, kind, module, null, vms, reloadStats(spec), node);
  }

  private PluginHandle.ReloadStats reloadStats(PluginSpec spec) {
    String p = "wasm." + spec.pluginName() + ".";
    return new PluginHandle.ReloadStats(stats.counter(p + "vm_reload_success"), stats.counter(p + "vm_reload_failure"),
        stats.counter(p + "vm_reload_backoff"));
  }

  /** Code bytes with their sha256, or (INITIAL mode) the reason they could not be had. */
  private record Code(String sha256, byte[] bytes, String failure) {}

  private CompletableFuture<Code> code(PluginSpec spec, Mode mode) {
    if (spec.code() instanceof CodeSource.Local local) {
      return CompletableFuture.supplyAsync(() -> new Code(Sha256.hex(local.bytes()), local.bytes(), null), loader);
    }
    CodeSource.Remote r = (CodeSource.Remote) spec.code();
    return CompletableFuture.supplyAsync(() -> lookup(r), loader).thenCompose(hit -> {
      if (hit.bytes != null) {
        remote.hits().inc();
        return CompletableFuture.completedFuture(new Code(r.sha256(), hit.bytes, null));
      }
      if (hit.negative != null) {
        remote.negativeHits().inc();
        return failedCode(spec, mode, "wasm code " + r.uri() + " (sha256 " + r.sha256() + "): fetch failed within the last 10 s: "
            + hit.negative.cause());
      }
      remote.misses().inc();
      CompletableFuture<byte[]> fetch = fetch(r);
      if (spec.nackOnCodeCacheMiss()) {
        return CompletableFuture.failedFuture(new PluginLoadException("wasm code " + r.uri() + " (sha256 " + r.sha256()
            + "): code cache miss with nack_on_code_cache_miss; fetching in the background"));
      }
      return fetch.handle((bytes, err) -> err == null ? CompletableFuture.completedFuture(new Code(r.sha256(), bytes, null))
          : failedCode(spec, mode, RemoteCodeFetcher.unwrap(err).getMessage())).thenCompose(f -> f);
    });
  }

  private static CompletableFuture<Code> failedCode(PluginSpec spec, Mode mode, String cause) {
    if (mode == Mode.INITIAL) {
      return CompletableFuture.completedFuture(new Code(null, null, cause));
    }
    return CompletableFuture.failedFuture(new PluginLoadException(cause + "; the serving version of '" + spec.pluginName()
        + "' stays"));
  }

  private record Lookup(byte[] bytes, CodeCache.Negative negative) {}

  private Lookup lookup(CodeSource.Remote r) {
    byte[] b = cache.get(r.sha256());
    return b != null ? new Lookup(b, null) : new Lookup(null, cache.negative(r.sha256()));
  }

  /** One fetch per sha256 at a time; everybody asking meanwhile shares it. */
  private CompletableFuture<byte[]> fetch(CodeSource.Remote r) {
    return fetches.computeIfAbsent(r.sha256(), sha -> {
      long start = System.nanoTime();
      ScheduledFuture<?> progress = loader.scheduleAtFixedRate(() -> log.info("event=wasm_fetch_in_progress uri={} elapsed_ms={}", r.uri(),
          (System.nanoTime() - start) / 1_000_000), PROGRESS_EVERY_MS, PROGRESS_EVERY_MS, TimeUnit.MILLISECONDS);
      CompletableFuture<byte[]> f = fetcher.fetch(r, (attempt, reason, cause) -> {
        remote.fetchFailures().inc();
        stats.counter(reason.statName()).inc();
        log.warn("event=wasm_fetch_attempt_failed uri={} cluster={} attempt={} reason={} cause={}", r.uri(), r.cluster(), attempt,
            reason.name().toLowerCase(java.util.Locale.ROOT), cause);
      });
      return f.whenCompleteAsync((bytes, err) -> {
        progress.cancel(false);
        if (err == null) {
          remote.fetchSuccesses().inc();
          cache.put(sha, bytes);
          log.info("event=wasm_fetched uri={} sha256={} bytes={} ms={}", r.uri(), sha, bytes.length, (System.nanoTime() - start) / 1_000_000);
        } else {
          cache.putNegative(sha, RemoteCodeFetcher.unwrap(err).getMessage());
          log.error("event=wasm_fetch_failed uri={} sha256={} error={}", r.uri(), sha, RemoteCodeFetcher.unwrap(err).getMessage());
        }
        fetches.remove(sha);
      }, loader);
    });
  }

  /** Compile once per sha256 (single-flight); Chicory's compiled form also lands in the runtime's disk cache. */
  private CompletableFuture<PluginModule> module(String sha256, byte[] bytes, String what) {
    CompletableFuture<PluginModule> f;
    boolean mine = false;
    synchronized (compiled) {
      f = compiled.get(sha256);
      if (f == null || f.isCompletedExceptionally()) {
        f = new CompletableFuture<>();
        compiled.put(sha256, f);
        mine = true;
        while (compiled.size() > MAX_COMPILED_MODULES) {
          compiled.remove(compiled.keySet().iterator().next());
        }
      }
    }
    if (mine) {
      CompletableFuture<PluginModule> out = f;
      loader.execute(() -> {
        long start = System.nanoTime();
        ScheduledFuture<?> progress = loader.scheduleAtFixedRate(() -> log.info("event=wasm_compile_in_progress code={} bytes={} elapsed_ms={}",
            what, bytes.length, (System.nanoTime() - start) / 1_000_000), PROGRESS_EVERY_MS, PROGRESS_EVERY_MS, TimeUnit.MILLISECONDS);
        try {
          PluginModule m = runtime.load(bytes);
          log.debug("event=wasm_compiled code={} sha256={} ms={}", what, sha256, (System.nanoTime() - start) / 1_000_000);
          out.complete(m);
        } catch (WasmException | RuntimeException e) {
          out.completeExceptionally(new PluginLoadException("wasm code " + what + " (sha256 " + sha256 + "): cannot load: "
              + e.getMessage(), e));
        } finally {
          progress.cancel(false);
        }
      });
    }
    return f;
  }

  private VmHost vmHost(EventLoop loop) {
    return new VmHost() {
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

      /** Every VM failure, whichever callback (a stream's, a tick, a call response); the runtime logged it already. */
      @Override
      public void vmFailed(io.wasmplane.wasm.PluginFailureException failure) {
        stats.counter("wasm." + failure.pluginName() + ".vm_failures").inc();
      }

      @Override
      public LogLevel logLevel() {
        return log.isTraceEnabled() ? LogLevel.TRACE : log.isDebugEnabled() ? LogLevel.DEBUG : log.isInfoEnabled() ? LogLevel.INFO : LogLevel.WARN;
      }
    };
  }

  @Override
  public void close() {
    loader.shutdownNow();
  }
}
