package io.wasmplane.dataplane.server;

import io.wasmplane.dataplane.accesslog.AccessLogWriter;
import io.wasmplane.dataplane.accesslog.AccessLogger;
import io.wasmplane.dataplane.accesslog.FileAccessLogger;
import io.wasmplane.dataplane.config.AccessLogConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.config.HcmConfig;
import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.config.RouteTable;
import io.wasmplane.dataplane.http.HcmRuntime;
import io.wasmplane.dataplane.http.HcmStats;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import io.wasmplane.dataplane.router.RouterFilter;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.upstream.ClusterManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Turns an HTTP connection manager config into its run-time form: filter factories, stats, access loggers. */
final class HcmRuntimeFactory {
  private final ClusterManager clusters;
  private final StatsRegistry stats;
  private final Map<Path, AccessLogWriter> writers = new ConcurrentHashMap<>();
  private final java.util.function.Supplier<io.wasmplane.dataplane.wasm.WasmPluginManager> wasmPlugins;
  private final List<io.wasmplane.dataplane.wasm.SwappableFilterFactory> plugins = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<io.wasmplane.dataplane.wasmext.WasmAccessLogger> wasmLoggers = new java.util.concurrent.CopyOnWriteArrayList<>();

  HcmRuntimeFactory(ClusterManager clusters, StatsRegistry stats,
      java.util.function.Supplier<io.wasmplane.dataplane.wasm.WasmPluginManager> wasmPlugins) {
    this.clusters = clusters;
    this.stats = stats;
    this.wasmPlugins = wasmPlugins;
  }

  HcmRuntime build(HcmConfig cfg, String where) {
    return build(cfg, where, cfg::routes);
  }

  /** With RDS the route table comes from {@code routes}, read once per stream when its filters are created. */
  HcmRuntime build(HcmConfig cfg, String where, java.util.function.Supplier<RouteTable> routes) {
    HcmStats hcmStats = new HcmStats(stats, cfg.statPrefix());
    List<HttpFilterFactory> factories = new ArrayList<>();
    List<AccessLogger> loggers = new ArrayList<>();
    try {
      for (HttpFilterConfig f : cfg.httpFilters()) {
        factories.add(filterFactory(f, hcmStats, cfg.upgrades(), where));
      }
      for (int i = 0; i < cfg.accessLogs().size(); i++) {
        AccessLogConfig a = cfg.accessLogs().get(i);
        String w = where + ".access_log[" + i + "]";
        if (a.wasm() != null) {
          var handle = io.wasmplane.dataplane.wasmext.StaticPlugins.prepare(wasmPlugins.get(), a.wasm(),
              io.wasmplane.dataplane.wasm.PluginKind.ACCESS_LOGGER, w);
          var logger = new io.wasmplane.dataplane.wasmext.WasmAccessLogger(handle);
          wasmLoggers.add(logger);
          loggers.add(a.filter() == io.wasmplane.dataplane.accesslog.AccessLogFilter.ALL ? logger
              : new io.wasmplane.dataplane.accesslog.FilteredAccessLogger(a.filter(), logger));
          factories.add(0, logger.streamHold()); // each stream keeps the logger's version until it has logged
          continue;
        }
        loggers.add(new FileAccessLogger(a.formatter(w), a.filter(), writer(Path.of(a.path()), w)));
      }
    } catch (RuntimeException e) {
      // A later filter or logger failed: the plugins already prepared for this HCM are released, nobody will use them.
      factories.forEach(this::releaseFilter);
      for (AccessLogger l : loggers) {
        if (io.wasmplane.dataplane.accesslog.FilteredAccessLogger.unwrap(l) instanceof io.wasmplane.dataplane.wasmext.WasmAccessLogger w) {
          wasmLoggers.remove(w);
          w.close();
        }
      }
      throw e;
    }
    return new HcmRuntime(cfg, List.copyOf(factories), hcmStats, List.copyOf(loggers), routes);
  }

  private HttpFilterFactory filterFactory(HttpFilterConfig f, HcmStats hcmStats, io.wasmplane.dataplane.config.UpgradeConfigs upgrades,
      String where) {
    if (f.name().equals(EnvoyTypes.ROUTER)) {
      return cb -> new RouterFilter(cb, clusters, hcmStats, upgrades);
    }
    if (f.discovery().isPresent()) {
      io.wasmplane.dataplane.http.ExtensionConfigProvider p = extensionConfigs;
      if (p == null) {
        throw new ConfigException(where + ".http_filters " + f.name() + ".config_discovery: needs dynamic_resources (ECDS)");
      }
      return p.discoveredFilter(f.name(), f.discovery().get(), where + ".http_filters " + f.name());
    }
    return extensionFilter(f, where, null);
  }

  volatile io.wasmplane.dataplane.http.ExtensionConfigProvider extensionConfigs;

  /** A filter from its typed config alone (static http_filters entries, and ECDS configs); canaries Wasm plugins. */
  HttpFilterFactory extensionFilter(HttpFilterConfig f, String where) {
    return extensionFilter(f, where, null);
  }

  /** The latest filter built from ECDS per filter name and not yet released: the version that serves that name. */
  private final Map<String, io.wasmplane.dataplane.wasm.SwappableFilterFactory> discovered = new ConcurrentHashMap<>();

  /**
   * A filter from an ECDS config. When the name's serving version is a Wasm plugin that loaded, the new one is an
   * update: code that cannot be had fails the build (NACK) and the serving version stays, instead of a plugin in the
   * failed state that would answer by its failure policy (which is what a first version gets, as in Envoy).
   */
  HttpFilterFactory discoveredFilter(HttpFilterConfig f, String where) {
    HttpFilterFactory built = extensionFilter(f, where, discovered.get(f.name()));
    if (built instanceof io.wasmplane.dataplane.wasm.SwappableFilterFactory w) {
      discovered.put(f.name(), w);
    }
    return built;
  }

  /** Why the serving ECDS version of filter {@code name} runs without its Wasm plugin (its code could not be had). */
  java.util.Optional<String> discoveredLoadFailure(String name) {
    var w = discovered.get(name);
    return w == null ? java.util.Optional.empty() : w.current().loadFailure();
  }

  /** A filter built from its typed config alone: it reaches its stream's route and HCM stats through its callbacks. */
  private HttpFilterFactory extensionFilter(HttpFilterConfig f, String where, io.wasmplane.dataplane.wasm.SwappableFilterFactory replacing) {
    String typeName = f.typeUrl().substring(f.typeUrl().lastIndexOf('/') + 1);
    if (typeName.equals(io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.getDescriptor().getFullName())) {
      String w = where + ".http_filters " + f.name();
      var spec = io.wasmplane.dataplane.wasm.PluginSpec.fromHttpFilter((com.google.protobuf.Any) f.typedConfig(), w);
      io.wasmplane.dataplane.wasm.PluginHandle handle;
      try {
        // The caller (startup, a warming listener, an ECDS verdict) waits for remote code.
        boolean update = replacing != null && replacing.current().loadFailure().isEmpty();
        handle = wasmPlugins.get().prepareNow(spec, io.wasmplane.dataplane.wasm.PluginKind.HTTP_FILTER,
            update ? io.wasmplane.dataplane.wasm.WasmPluginManager.Mode.UPDATE : io.wasmplane.dataplane.wasm.WasmPluginManager.Mode.INITIAL);
      } catch (io.wasmplane.dataplane.wasm.PluginLoadException e) {
        throw new ConfigException(w + ": " + e.getMessage(), e);
      }
      var factory = new io.wasmplane.dataplane.wasm.SwappableFilterFactory(handle);
      plugins.add(factory);
      return factory;
    }
    var provider = io.wasmplane.dataplane.http.HttpFilterRegistry.find(f.name(), typeName)
        .orElseThrow(() -> new ConfigException(where + ": no implementation for http filter " + f.name()));
    String w = where + ".http_filters " + f.name();
    return provider.create(f, w);
  }

  /** The one writer per file, shared by every listener that logs to it (tcp_proxy too). */
  AccessLogWriter writer(Path path, String where) {
    try {
      return writers.computeIfAbsent(path.toAbsolutePath(), p -> {
        try {
          return new AccessLogWriter(p);
        } catch (IOException e) {
          throw new ConfigException(where + ".typed_config.path: cannot open " + p + ": " + e.getMessage(), e);
        }
      });
    } catch (ConfigException e) {
      throw e;
    }
  }

  void flushAccessLogs() {
    writers.values().forEach(AccessLogWriter::flush);
  }

  /** Drops the references a replaced HCM runtime's Wasm filters and Wasm access loggers hold on their plugin versions. */
  void release(HcmRuntime old) {
    if (old == null) {
      return;
    }
    for (AccessLogger l : old.accessLoggers()) {
      closeWasmLogger(l);
    }
    for (HttpFilterFactory f : old.filterFactories()) {
      if (f instanceof io.wasmplane.dataplane.wasm.SwappableFilterFactory w && plugins.remove(w)) {
        w.close();
      }
    }
  }

  /** Drops a single filter factory's plugin reference (an ECDS config replaced). */
  void releaseFilter(HttpFilterFactory f) {
    discovered.values().remove(f);
    if (f instanceof io.wasmplane.dataplane.wasm.SwappableFilterFactory w && plugins.remove(w)) {
      w.close();
    }
  }

  private static void closeWasmLogger(AccessLogger l) {
    if (io.wasmplane.dataplane.accesslog.FilteredAccessLogger.unwrap(l) instanceof io.wasmplane.dataplane.wasmext.WasmAccessLogger w) {
      w.close();
    }
  }

  void closePlugins() {
    plugins.forEach(io.wasmplane.dataplane.wasm.SwappableFilterFactory::close);
    wasmLoggers.forEach(io.wasmplane.dataplane.wasmext.WasmAccessLogger::close);
  }

  void closeAccessLogs() {
    writers.values().forEach(AccessLogWriter::close);
  }
}
